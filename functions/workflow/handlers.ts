/**
 * The workflow's Lambda handlers: parse the event, delegate to tasks.ts, return. The local runtime calls
 * the same task functions (infra/local/runtime.ts).
 */
import type { Context } from 'aws-lambda';
import { winnowEnvFromProcess } from '../store/aws.js';
import { createStores } from '../store/stores.js';
import { selectBudgetMs, taskBudgetsFromEnv } from './budgets.js';
import * as tasks from './tasks.js';

let cached: tasks.WorkflowDeps | undefined;
const deps = (): tasks.WorkflowDeps => (cached ??= createStores(winnowEnvFromProcess()));

export const plan = (event: tasks.RunEvent) => tasks.plan(deps(), event, { budgets: taskBudgetsFromEnv() });
export const shard = (event: tasks.RunEvent & { shard: number }) => tasks.shard(deps(), event);
export const select = (event: tasks.RunEvent, context: Context) =>
  tasks.select(deps(), event, { budgetMs: selectBudgetMs(context.getRemainingTimeInMillis()) });
export const finish = (event: tasks.RunEvent) => tasks.finish(deps(), event);
export const markFailed = (event: tasks.FailedEvent) => tasks.markFailed(deps(), event);
