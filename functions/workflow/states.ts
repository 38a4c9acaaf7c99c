/**
 * The workflow's task states, written once: their names and the task each plays. The state machine
 * definition (infra/workflow.ts) names its states and Lambda handlers from here, and the local runtime
 * dispatches by these names (taskList.ts). A module without dependencies, so that the stack can read it.
 */
import type { WorkflowTask } from './budgets.js';

/** Names of the states; the local runtime maps each task state to its task by these names. */
export const WORKFLOW_STATES = {
  plan: 'Plan',
  shards: 'Shards',
  shard: 'Shard',
  select: 'Select',
  finish: 'Finish',
  markFailed: 'MarkFailed',
  markShardFailed: 'MarkShardFailed',
} as const;

/** The task each task state plays (a shard's failure is recorded by the same task as any other). */
export const TASK_OF_STATE: Readonly<Record<string, WorkflowTask>> = {
  [WORKFLOW_STATES.plan]: 'plan',
  [WORKFLOW_STATES.shard]: 'shard',
  [WORKFLOW_STATES.select]: 'select',
  [WORKFLOW_STATES.finish]: 'finish',
  [WORKFLOW_STATES.markFailed]: 'markFailed',
  [WORKFLOW_STATES.markShardFailed]: 'markFailed',
};

