/**
 * A worker thread of the local runtime that plays the workflow's tasks, so a long Select never holds
 * the API's event loop. Each thread builds its own stores from the environment it is given and answers
 * `{ id, state, input }` messages with `{ id, output }` or `{ id, error: { name, message } }` — the
 * error's name is what the state machine's Retry and Catch match, as Lambda's `errorType`.
 *
 * The same code runs as a child process (taskProcesses.ts: a fresh process per task, as a cold Lambda,
 * so that a task's peak memory is its own): it is then given its data in {@link TASK_WORKER_DATA_ENV}
 * and talks over the IPC channel.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { basename } from 'node:path';
import { parentPort, workerData as threadData } from 'node:worker_threads';
import type { WinnowEnv } from '../../functions/store/aws.js';
import { createStores } from '../../functions/store/stores.js';
import type { TaskBudgets } from '../../functions/workflow/budgets.js';
import { stateHandlers } from '../../functions/workflow/taskList.js';
import { installCrashPointsFromEnv } from './crashPoints.js';
import { TASK_WORKER_DATA_ENV } from './taskProcesses.js';

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

/**
 * A task is batch work and the API interactive: the thread runs at a lower priority (nice 10), so on a
 * machine with fewer idle cores than busy threads the scheduler serves a GraphQL request (and the
 * stores it reads) before the next slice of a Select. Linux gives each thread its own nice value, set
 * through the thread's id; elsewhere the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    setPriority(Number(basename(readlinkSync('/proc/thread-self'))), 10);
  } catch {
    // No /proc/thread-self (not Linux), or not permitted: the default priority still works, only less smoothly.
  }
}

/** Messages in and out: the thread's port, or the child process's IPC channel. */
const channel = parentPort
  ? { data: threadData as TaskWorkerData, receive: (on: (request: TaskRequest) => void) => parentPort!.on('message', on), send: (response: TaskResponse) => parentPort!.postMessage(response) }
  : {
      data: JSON.parse(process.env[TASK_WORKER_DATA_ENV]!) as TaskWorkerData,
      receive: (on: (request: TaskRequest) => void) => process.on('message', on),
      send: (response: TaskResponse) => process.send!(response),
    };

// A process of its own is measured as a Lambda would run it, at the machine's normal priority; the
// API, in another process, keeps its own share of the cores.
if (parentPort) lowerThreadPriority();
installCrashPointsFromEnv();
const { env, budgetMs, budgets } = channel.data;
const deps = createStores(env);
const run = stateHandlers(deps, { budgets, selectBudgetMs: () => budgetMs });

channel.receive((request: TaskRequest) => {
  const task = run[request.state];
  const reply = channel.send;
  if (!task) return reply({ id: request.id, error: { name: 'Error', message: `no task for state ${request.state}` } });
  task(request.input).then(
    (output) => reply({ id: request.id, output: output ?? null }),
    (error: unknown) => reply({ id: request.id, error: { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) } }),
  );
});
