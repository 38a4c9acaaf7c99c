/**
 * The task list is the one place the workflow's tasks are written: every task state of the synthesized
 * state machine has a handler in the local dispatch, every handler plays a state of the definition, and
 * each Lambda handler export is a task of the list.
 */
import { describe, expect, it } from 'vitest';
import { WORKFLOW_TASK_NAMES } from '../../functions/workflow/budgets.js';
import { TASK_OF_STATE, WORKFLOW_STATES } from '../../functions/workflow/states.js';
import { stateHandlers, WORKFLOW_TASKS } from '../../functions/workflow/taskList.js';
import type { WorkflowDeps } from '../../functions/workflow/tasks.js';
import { synthesizeWorkflowDefinition } from '../../infra/local/stateMachine.js';

type States = Record<string, { Type: string; ItemProcessor?: { States: States } }>;

/** Every Task state of a definition, the Map's item processor included. */
function taskStates(states: States): string[] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [name] : []),
    ...(state.ItemProcessor ? taskStates(state.ItemProcessor.States) : []),
  ]);
}

describe('the workflow task list', () => {
  it('dispatches exactly the task states of the definition', () => {
    const definition = synthesizeWorkflowDefinition('bucket') as unknown as { States: States };
    const handlers = stateHandlers({} as WorkflowDeps, { selectBudgetMs: () => 1000 });
    // Each task state has a failure state before MarkFailed (a Pass in the definition), so only the tasks
    // that run code are Task states.
    expect(taskStates(definition.States).sort()).toEqual(Object.keys(handlers).sort());
    expect(Object.keys(handlers)).toContain(WORKFLOW_STATES.markShardFailed);
  });

  it('names a called task for every state and a state for every task', () => {
    expect(Object.keys(WORKFLOW_TASKS).sort()).toEqual([...WORKFLOW_TASK_NAMES].sort());
    expect(new Set(Object.values(TASK_OF_STATE))).toEqual(new Set(WORKFLOW_TASK_NAMES));
  });
});
