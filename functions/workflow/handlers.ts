/**
 * The workflow's Lambda handlers: parse the event, call the task from the task list, return. The local
 * runtime calls the same list (taskList.ts).
 */
import type { Context } from 'aws-lambda';
import { winnowEnvFromProcess } from '../store/aws.js';
import { createStores } from '../store/stores.js';
import { selectBudgetMs, taskBudgetsFromEnv } from './budgets.js';
import { WORKFLOW_TASKS, type SelectEvent, type TaskSettings } from './taskList.js';
import type * as tasks from './tasks.js';

let cached: tasks.WorkflowDeps | undefined;
const deps = (): tasks.WorkflowDeps => (cached ??= createStores(winnowEnvFromProcess()));
/** What the Lambda's environment and context tell a task. */
const settings = (context?: Context): TaskSettings => ({
  budgets: taskBudgetsFromEnv(),
  selectBudgetMs: () => selectBudgetMs(context!.getRemainingTimeInMillis()),
});

export const plan = (event: tasks.RunEvent) => WORKFLOW_TASKS.plan(deps(), event, settings());
export const shard = (event: tasks.RunEvent & { shard: number }) => WORKFLOW_TASKS.shard(deps(), event);
export const select = (event: SelectEvent, context: Context) => WORKFLOW_TASKS.select(deps(), event, settings(context));
export const finish = (event: tasks.RunEvent) => WORKFLOW_TASKS.finish(deps(), event);
export const markFailed = (event: tasks.FailedEvent) => WORKFLOW_TASKS.markFailed(deps(), event);
