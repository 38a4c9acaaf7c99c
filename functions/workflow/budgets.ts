/**
 * What the workflow's tasks are given (memory, time) and what a run needs of it. A module without
 * dependencies, so that the stack (infra/) and the tasks read the same numbers.
 *
 * Memory sizes come from CDK context (`-c shardMemoryMb=…`); the defaults fit every account as created
 * (Lambda's default memory quota is 3,008 MB), and hold about 1M × 128 embeddings. Larger datasets need
 * more memory, which needs the account's quota raised first (see the README's deployment section).
 */

/** The workflow's tasks: each is a Lambda in AWS, and a handler of that name (handlers.ts). */
export const WORKFLOW_TASK_NAMES = ['plan', 'shard', 'select', 'finish', 'markFailed'] as const;
export type WorkflowTask = (typeof WORKFLOW_TASK_NAMES)[number];

export const DEFAULT_TASK_MEMORY_MB: Readonly<Record<WorkflowTask, number>> = {
  plan: 1024,
  shard: 3008,
  select: 3008,
  finish: 3008,
  markFailed: 256,
};

/** The Lambdas' own timeouts, in seconds; each state's timeout is a minute longer (see infra/workflow.ts). */
export const TASK_TIMEOUT_SECONDS: Readonly<Record<WorkflowTask, number>> = {
  plan: 5 * 60,
  shard: 15 * 60,
  select: 15 * 60,
  finish: 15 * 60,
  markFailed: 60,
};

/** The environment variable that tells Plan and MarkFailed what each task has (JSON of {@link TaskBudgets}). */
export const TASK_BUDGETS_ENV = 'WINNOW_TASK_BUDGETS';

export interface TaskBudget {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}
export type TaskBudgets = Readonly<Partial<Record<WorkflowTask, TaskBudget>>>;

export function taskBudgetsFromEnv(env: NodeJS.ProcessEnv = process.env): TaskBudgets | undefined {
  const text = env[TASK_BUDGETS_ENV];
  return text ? (JSON.parse(text) as TaskBudgets) : undefined;
}

/**
 * Memory a task needs for `rows` × `dim` embeddings, in bytes: the runtime and code, the float32
 * embeddings with a compact scan copy and kernel work areas (about twice the matrix), and per-row
 * arrays (scores, positions, metadata columns). An estimate on the safe side of what the tasks measured.
 */
export function requiredBytes(task: 'shard' | 'select' | 'finish', rows: number, dim: number): number {
  const runtime = 256 * 2 ** 20;
  const perRow = task === 'shard' ? 96 : 256;
  return runtime + rows * dim * 4 * 2 + rows * perRow;
}

/** Why a run of `rows` × `dim` cannot fit the tasks' memory, or undefined when it fits. */
export function sizeRefusal(budgets: TaskBudgets, rows: number, dim: number): string | undefined {
  for (const task of ['shard', 'select', 'finish'] as const) {
    const budget = budgets[task];
    if (!budget) continue;
    const needed = requiredBytes(task, rows, dim);
    if (needed <= budget.memoryMb * 2 ** 20) continue;
    const neededMb = Math.ceil(needed / 2 ** 20);
    return (
      `the dataset's ${rows.toLocaleString('en-US')} rows × ${dim} dimensions need about ${neededMb.toLocaleString('en-US')} MB in ${task}, ` +
      `which has ${budget.memoryMb.toLocaleString('en-US')} MB: deploy with more memory (context ${task === 'finish' ? 'select' : task}MemoryMb, at most 10,240), ` +
      'or select on fewer rows or smaller embeddings'
    );
  }
  return undefined;
}

/** Time a Select hop keeps back from its limit for writing the checkpoint. */
export const SELECT_SAFETY_MARGIN_MS = 60_000;

/** How long a Select hop may pick, given the time its invocation has left (at least a second). */
export function selectBudgetMs(remainingMs: number): number {
  return Math.max(1_000, remainingMs - SELECT_SAFETY_MARGIN_MS);
}
