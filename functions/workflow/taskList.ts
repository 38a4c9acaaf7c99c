/**
 * How each workflow task is called, written once: the Lambda handlers (handlers.ts) and the local
 * runtime's dispatch (infra/local/) call the tasks through {@link WORKFLOW_TASKS}; the states that play
 * them are in states.ts.
 */
import type { TaskBudgets, WorkflowTask } from './budgets.js';
import { TASK_OF_STATE } from './states.js';
import * as tasks from './tasks.js';
import type { WorkflowDeps } from './tasks.js';

/** What the tasks are told by where they run (the Lambda's environment and context, or the local runtime). */
export interface TaskSettings {
  /** Each task's memory and time, which Plan checks a run against (none: no check). */
  readonly budgets?: TaskBudgets | undefined;
  /** Milliseconds Select may pick before it checkpoints, asked when Select starts. */
  readonly selectBudgetMs: () => number;
}

/** Each task, called with the state's input. The keys are also the Lambda handlers' export names. */
export const WORKFLOW_TASKS = {
  plan: (deps: WorkflowDeps, event: tasks.RunEvent, settings: TaskSettings) => tasks.plan(deps, event, { budgets: settings.budgets }),
  shard: (deps: WorkflowDeps, event: tasks.RunEvent & { shard: number }) => tasks.shard(deps, event),
  select: (deps: WorkflowDeps, event: tasks.RunEvent, settings: TaskSettings) => tasks.select(deps, event, { budgetMs: settings.selectBudgetMs() }),
  finish: (deps: WorkflowDeps, event: tasks.RunEvent) => tasks.finish(deps, event),
  markFailed: (deps: WorkflowDeps, event: tasks.FailedEvent) => tasks.markFailed(deps, event),
} satisfies Record<WorkflowTask, (deps: WorkflowDeps, event: never, settings: TaskSettings) => Promise<unknown>>;

export type StateHandler = (input: unknown) => Promise<unknown>;

/** A handler for every task state, by state name: the local runtime's dispatch. */
export function stateHandlers(deps: WorkflowDeps, settings: TaskSettings): Record<string, StateHandler> {
  const call = WORKFLOW_TASKS as Record<WorkflowTask, (deps: WorkflowDeps, event: unknown, settings: TaskSettings) => Promise<unknown>>;
  return Object.fromEntries(Object.entries(TASK_OF_STATE).map(([state, task]) => [state, (input: unknown) => call[task](deps, input, settings)]));
}
