/**
 * A worker thread of the local runtime that plays the workflow's tasks, so a long Select never holds
 * the API's event loop. Each thread builds its own stores from the environment it is given and answers
 * `{ id, state, input }` messages with `{ id, output }` or `{ id, error: { name, message } }` — the
 * error's name is what the state machine's Retry and Catch match, as Lambda's `errorType`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WinnowEnv } from '../../functions/store/aws.js';
import { createStores } from '../../functions/store/stores.js';
import type { TaskBudgets } from '../../functions/workflow/budgets.js';
import { stateHandlers } from '../../functions/workflow/taskList.js';

export interface TaskWorkerData {
  readonly env: WinnowEnv;
  readonly budgetMs: number;
  readonly budgets?: TaskBudgets;
}
export interface TaskRequest {
  readonly id: number;
  readonly state: string;
  readonly input: unknown;
}
export type TaskResponse = { readonly id: number; readonly output: unknown } | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

const { env, budgetMs, budgets } = workerData as TaskWorkerData;
const deps = createStores(env);
const run = stateHandlers(deps, { budgets, selectBudgetMs: () => budgetMs });

parentPort!.on('message', (request: TaskRequest) => {
  const task = run[request.state];
  const reply = (response: TaskResponse) => parentPort!.postMessage(response);
  if (!task) return reply({ id: request.id, error: { name: 'Error', message: `no task for state ${request.state}` } });
  task(request.input).then(
    (output) => reply({ id: request.id, output: output ?? null }),
    (error: unknown) => reply({ id: request.id, error: { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) } }),
  );
});
