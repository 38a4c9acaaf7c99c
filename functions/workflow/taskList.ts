/**
 * How each workflow task is called, written once: the Lambda handlers (handlers.ts) and the local
 * runtime's dispatch (infra/local/) call the tasks through {@link WORKFLOW_TASKS}; the states that play
 * them are in states.ts.
 *
 * Every call is measured here, around the task: its wall time and the peak resident memory of the
 * process that ran it go to the run's `taskTimings` (one entry per plan, shard, Select hop, finish), so
 * the memory sizes of the stack follow from what the tasks took (budgets.ts).
 */
import { readFileSync } from 'node:fs';
import type { TaskBudgets, WorkflowTask } from './budgets.js';
import { TASK_OF_STATE } from './states.js';
import * as tasks from './tasks.js';
import type { WorkflowDeps } from './tasks.js';
import type { TaskTiming } from '../store/runs.js';

/** What the tasks are told by where they run (the Lambda's environment and context, or the local runtime). */
export interface TaskSettings {
  /** Each task's memory and time, which Plan checks a run against (none: no check). */
  readonly budgets?: TaskBudgets | undefined;
  /** Milliseconds Select may pick before it checkpoints, asked when Select starts. */
  readonly selectBudgetMs: () => number;
}

/**
 * Select's input, as the state machine passes it: on every hop after the first, the previous hop's
 * output under `select` (its result path), which carries that hop's number.
 */
export interface SelectEvent extends tasks.RunEvent {
  readonly select?: { readonly hop?: number };
}

/**
 * The peak resident memory of this process so far, in MB. In a fresh process (a cold Lambda, or the
 * local runtime's process isolation) that is the task's own peak; in a warm Lambda or a thread of a
 * shared process, an upper bound of it. Read from `VmHWM` in /proc/self/status where there is one
 * (Linux, as on Lambda): `maxRSS` of getrusage also keeps the peak of the process that forked this one
 * (Linux carries it over fork and exec), which would credit a child with its parent's memory.
 */
export function peakRssMb(): number {
  let kib = process.resourceUsage().maxRSS;
  try {
    const hwm = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) kib = Number(hwm[1]);
  } catch {
    // No /proc (not Linux): maxRSS, which is this process's own where fork does not carry it over.
  }
  return Math.round((kib * 1024) / 1e6);
}

/**
 * Runs a task and records its time and peak memory on the run, failed or not (a failed attempt's entry
 * is overwritten by its retry). A failure to record is logged, never the task's failure: the
 * measurement must not cost a run.
 */
async function measured<T>(deps: WorkflowDeps, runId: string, what: Pick<TaskTiming, 'task' | 'shard' | 'hop'>, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const record = async () => {
    const timing: TaskTiming = { ...what, milliseconds: Math.max(1, Math.round(performance.now() - started)), peakRssMb: peakRssMb() };
    try {
      await deps.runs.recordTaskTiming(runId, timing);
    } catch (error) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'task timing not recorded', runId, ...what, error: String(error) }));
    }
  };
  try {
    const output = await work();
    await record();
    return output;
  } catch (error) {
    await record();
    throw error;
  }
}

/** Each task, called with the state's input. The keys are also the Lambda handlers' export names. */
export const WORKFLOW_TASKS = {
  plan: (deps: WorkflowDeps, event: tasks.RunEvent, settings: TaskSettings) =>
    measured(deps, event.runId, { task: 'plan' }, () => tasks.plan(deps, event, { budgets: settings.budgets })),
  shard: (deps: WorkflowDeps, event: tasks.RunEvent & { shard: number }) => measured(deps, event.runId, { task: 'shard', shard: event.shard }, () => tasks.shard(deps, event)),
  /** Returns the hop's number with its result, so that the next hop (its input carries it) is numbered one more. */
  select: async (deps: WorkflowDeps, event: SelectEvent, settings: TaskSettings) => {
    const hop = (event.select?.hop ?? -1) + 1;
    const result = await measured(deps, event.runId, { task: 'select', hop }, () => tasks.select(deps, { runId: event.runId }, { budgetMs: settings.selectBudgetMs() }));
    return { ...result, hop };
  },
  finish: (deps: WorkflowDeps, event: tasks.RunEvent) => measured(deps, event.runId, { task: 'finish' }, () => tasks.finish(deps, event)),
  markFailed: (deps: WorkflowDeps, event: tasks.FailedEvent) => tasks.markFailed(deps, event),
} satisfies Record<WorkflowTask, (deps: WorkflowDeps, event: never, settings: TaskSettings) => Promise<unknown>>;

export type StateHandler = (input: unknown) => Promise<unknown>;

/** A handler for every task state, by state name: the local runtime's dispatch. */
export function stateHandlers(deps: WorkflowDeps, settings: TaskSettings): Record<string, StateHandler> {
  const call = WORKFLOW_TASKS as Record<WorkflowTask, (deps: WorkflowDeps, event: unknown, settings: TaskSettings) => Promise<unknown>>;
  return Object.fromEntries(Object.entries(TASK_OF_STATE).map(([state, task]) => [state, (input: unknown) => call[task](deps, input, settings)]));
}
