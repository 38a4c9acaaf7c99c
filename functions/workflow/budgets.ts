/**
 * What the workflow's tasks are given (memory, time) and what a run needs of it. A module without
 * dependencies, so that the stack (infra/) and the tasks read the same numbers.
 *
 * Memory sizes come from CDK context (`-c shardMemoryMb=…`); the defaults fit every account as created
 * (Lambda's default memory quota is 3,008 MB), and hold 1M × 128 embeddings by the measured model below
 * ({@link TASK_MEMORY_MODEL}: Select and Finish need about 1,080 MiB there, a Shard by cluster about 320). Larger
 * datasets need more memory, which needs the account's quota raised first (see the README's deployment
 * section).
 */

/** The workflow's tasks: each is a Lambda in AWS, and a handler of that name (handlers.ts). */
export const WORKFLOW_TASK_NAMES = ['plan', 'shard', 'select', 'finish', 'markFailed'] as const;
export type WorkflowTask = (typeof WORKFLOW_TASK_NAMES)[number];

/**
 * Plan holds the embeddings once where it clusters them for approximate typicality (clusterShards.ts:
 * 847–885 MB at 1M × 128), else about 121 MB; like the others it gets what every account may create.
 * MarkFailed only updates a record.
 */
export const DEFAULT_TASK_MEMORY_MB: Readonly<Record<WorkflowTask, number>> = {
  plan: 3008,
  shard: 3008,
  select: 3008,
  finish: 3008,
  markFailed: 256,
};

/**
 * The Lambdas' own timeouts, in seconds; each state's timeout is a minute longer (see infra/workflow.ts).
 * Plan's clustering grows as rows^1.5 past 1M rows (30 s at 1M × 128 on 2 vCPUs, locally, snapshot
 * included): it has the full 15 minutes.
 */
export const TASK_TIMEOUT_SECONDS: Readonly<Record<WorkflowTask, number>> = {
  plan: 15 * 60,
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
 * `VmHWM`): peak ≈ fixed + rows × dim × bytesPerValue, rows being the rows the task holds. Measured on a
 * 2-vCPU AMD EPYC (AVX2), Node 20, DIVERSITY + TYPICALITY + WEIGHTS + BALANCE with n = 10,000, × 128:
 *
 * | task   | 200k (2026-12-06) | 1M (2026-12-07)             | 10M (2026-12-07)                  | fit                            |
 * |--------|------------------:|----------------------------:|----------------------------------:|--------------------------------|
 * | plan   | 121 MB            | 838 MB (clusters the rows)  | 5,478 MB                          | 121 MB + 6.0 B per value       |
 * | shard  | 554 MB (all rows) | 258–290 MB (65,536 rows)    | 279–370 MB (65,536 rows)          | 200 MB + 20.3 B per value held |
 * | select | 506 MB            | 961–1,001 MB                | 7,789–8,302 MB (one hop)          | 210 MB + 6.4 B per value       |
 * | finish | 494 MB            | 795–834 MB                  | 6,026–6,595 MB                    | (the select fit)               |
 *
 * (At 10M a Shard's clusters hold about 10,000 rows, not 1,000 as at 1M — approximate typicality keeps
 * 1,000 clusters past 1M rows — so its kNN works on larger clusters: hence the larger fixed part. Select
 * at 10M: 7,490 MiB while picking, 8,302 MB when it wrote its checkpoint at the end, before the checkpoint
 * was streamed, and 8,062 MB after; 7,789 MB once a finished selection's checkpoint kept no DIVERSITY
 * distances; 7,829 MB later that day with the int8 codes' 16-byte terms a row (40 MB more); 2026-12-06,
 * before DIVERSITY's cluster bound: 8,148–8,169 MB in two hops.)
 *
 * ("Lean tasks": Select keeps one typicality value per unit, BALANCE on a categorical key only its
 * codes, Finish no int8 codes and packed file names; before them Select took 1,116–1,148 MB at 1M and
 * the fit was 12.2 B per value.) At 10M × 128 Select needs (210 MB + 8,192 MB) × 1.1 ≈ 8.8 GiB: a
 * 10,240 MB Lambda holds it.
 *
 * A value is one float32 of the embeddings (4 bytes). A Shard by row range holds every row (exact kNN,
 * up to 200k rows); a Shard by cluster its clusters' rows, about one column shard, whatever the dataset's
 * size. Plan's figure applies where it clusters. Per-row arrays that do not grow with the dimension are
 * folded into the per-value figure at 128 dimensions, so the model errs high for wider embeddings and low
 * for much narrower ones (hence {@link MEMORY_HEADROOM}). The fit lies at or above every measured point.
 */
export const TASK_MEMORY_MODEL: Readonly<Record<'plan' | 'shard' | 'select' | 'finish', { readonly fixedMb: number; readonly bytesPerValue: number }>> = {
  plan: { fixedMb: 121, bytesPerValue: 6.0 },
  shard: { fixedMb: 200, bytesPerValue: 20.3 },
  select: { fixedMb: 210, bytesPerValue: 6.4 },
  finish: { fixedMb: 210, bytesPerValue: 6.4 },
};

/** Room over the fitted peak: the fit's error at other sizes and dimensions, and a warm Lambda's earlier peaks. */
export const MEMORY_HEADROOM = 1.1;

/** Memory a task needs for `rows` × `dim` embeddings, in bytes: {@link TASK_MEMORY_MODEL} with {@link MEMORY_HEADROOM}. */
export function requiredBytes(task: 'plan' | 'shard' | 'select' | 'finish', rows: number, dim: number): number {
  const { fixedMb, bytesPerValue } = TASK_MEMORY_MODEL[task];
  return Math.ceil((fixedMb * 1e6 + rows * dim * bytesPerValue) * MEMORY_HEADROOM);
}

/** What {@link sizeRefusal} checks beyond Select and Finish, which hold every row. */
export interface HeldRows {
  /**
   * Rows a Shard holds: every row for shards by row range (the default), its clusters' rows for shards by
   * cluster (clusterShards.ts); undefined leaves the Shard out (not known yet).
   */
  readonly shard?: number | undefined;
  /** Rows Plan holds: every row where it clusters them; undefined (the default) leaves Plan out. */
  readonly plan?: number | undefined;
}

/** Why a run of `rows` × `dim` cannot fit the tasks' memory, or undefined when it fits. */
export function sizeRefusal(budgets: TaskBudgets, rows: number, dim: number, held: HeldRows = { shard: rows }): string | undefined {
  const checks = [
    ['plan', held.plan],
    ['shard', held.shard],
    ['select', rows],
    ['finish', rows],
  ] as const;
  for (const [task, taskRows] of checks) {
    const budget = budgets[task];
    if (!budget || taskRows === undefined) continue;
    const needed = requiredBytes(task, taskRows, dim);
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
 * (DIVERSITY keeps each row's distance to the picks, as base64 float64 bytes): the workflow bench measured
 * 109.1 MB written in 2.88 s at 10M × 128 (2026-12-06, same machine as {@link TASK_MEMORY_MODEL}; JSON and
 * one PUT to the local S3 stand-in), and a pick at 10M takes about a tenth of a second: 60 s leaves about
 * twenty times that, and 14 minutes of each hop for picking.
 */
export const SELECT_SAFETY_MARGIN_MS = 60_000;

/** How long a Select hop may pick, given the time its invocation has left (at least a second). */
export function selectBudgetMs(remainingMs: number): number {
  return Math.max(1_000, remainingMs - SELECT_SAFETY_MARGIN_MS);
}
