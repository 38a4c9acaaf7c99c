/**
 * What the workflow's tasks are given (memory, time) and what a run needs of it. A module without
 * dependencies, so that the stack (infra/) and the tasks read the same numbers.
 *
 * Memory sizes come from CDK context (`-c shardMemoryMb=…`); the defaults fit every account as created
 * (Lambda's default memory quota is 3,008 MB), and hold 1M × 128 embeddings by the measured model below
 * ({@link TASK_MEMORY_MODEL}: Shard needs about 2,670 MiB there, Select and Finish about 1,860). Larger
 * datasets need more memory, which needs the account's quota raised first (see the README's deployment
 * section).
 */

/** The workflow's tasks: each is a Lambda in AWS, and a handler of that name (handlers.ts). */
export const WORKFLOW_TASK_NAMES = ['plan', 'shard', 'select', 'finish', 'markFailed'] as const;
export type WorkflowTask = (typeof WORKFLOW_TASK_NAMES)[number];

/**
 * Plan measured 121 MB at 200k and 1M rows (its work does not grow with rows today); it keeps 1,024 MB
 * for the dataset-wide steps it is taking over from the shards. MarkFailed only updates a record.
 */
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
 * Each task's peak memory, fitted to what the workflow bench measured with every task in a process of
 * its own (`npm run bench -- workflow`, bench/workflow.bench.ts; each task's peak is its process's
 * `VmHWM`): peak ≈ fixed + rows × dim × bytesPerValue. Measured 2026-12-06 on a 2-vCPU AMD EPYC (AVX2),
 * Node 20, DIVERSITY + TYPICALITY + WEIGHTS + BALANCE with n = 10,000, at 200,000 and 1,000,000 rows × 128:
 *
 * | task   | 200k × 128 | 1M × 128 | fit                          |
 * |--------|-----------:|---------:|------------------------------|
 * | plan   | 121 MB     | 121 MB   | (fixed: Node, the code, SDK)  |
 * | shard  | 554 MB     | 2,482 MB | 121 MB + 18.9 B per value    |
 * | select | 506 MB     | 1,694 MB | 210 MB + 12.2 B per value    |
 * | finish | 494 MB     | 1,743 MB | (the select fit; same memory)|
 *
 * A value is one float32 of the embeddings (4 bytes): a Shard holds every row's embeddings several
 * times over (today it loads all rows for its neighbour search), Select and Finish about three times.
 * Per-row arrays that do not grow with the dimension are folded into the per-value figure at 128
 * dimensions, so the model errs high for wider embeddings and low for much narrower ones (hence
 * {@link MEMORY_HEADROOM}). The fit lies at or above every measured point.
 */
export const TASK_MEMORY_MODEL: Readonly<Record<'shard' | 'select' | 'finish', { readonly fixedMb: number; readonly bytesPerValue: number }>> = {
  shard: { fixedMb: 121, bytesPerValue: 18.9 },
  select: { fixedMb: 210, bytesPerValue: 12.2 },
  finish: { fixedMb: 210, bytesPerValue: 12.2 },
};

/** Room over the fitted peak: the fit's error at other sizes and dimensions, and a warm Lambda's earlier peaks. */
export const MEMORY_HEADROOM = 1.1;

/** Memory a task needs for `rows` × `dim` embeddings, in bytes: {@link TASK_MEMORY_MODEL} with {@link MEMORY_HEADROOM}. */
export function requiredBytes(task: 'shard' | 'select' | 'finish', rows: number, dim: number): number {
  const { fixedMb, bytesPerValue } = TASK_MEMORY_MODEL[task];
  return Math.ceil((fixedMb * 1e6 + rows * dim * bytesPerValue) * MEMORY_HEADROOM);
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

/**
 * Time a Select hop keeps back from its 15-minute limit for what follows its last pick: that pick's own
 * time past the deadline, the checkpoint write and the run's update. The checkpoint grows with rows
 * (DIVERSITY keeps each row's distance to the picks): the workflow bench measured 22.1 MB written in
 * 1.16 s at 1M × 128 (2026-12-06, same machine as {@link TASK_MEMORY_MODEL}; JSON and one PUT to the local
 * S3 stand-in), so about 221 MB in 12 s at 10M, and a pick at 10M takes well under a second: 60 s leaves
 * about five times that, and 14 minutes of each hop for picking.
 */
export const SELECT_SAFETY_MARGIN_MS = 60_000;

/** How long a Select hop may pick, given the time its invocation has left (at least a second). */
export function selectBudgetMs(remainingMs: number): number {
  return Math.max(1_000, remainingMs - SELECT_SAFETY_MARGIN_MS);
}
