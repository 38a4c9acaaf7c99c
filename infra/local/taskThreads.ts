/**
 * The workflow's tasks in worker threads (infra/local/taskWorker.ts) for the local runtime: the API's
 * event loop stays free while a Select runs, and a task's memory is its thread's. Threads are made on
 * demand (one per task running at once) and kept for the next task; an idle one costs no CPU.
 */
import { Worker } from 'node:worker_threads';
import type { LocalTaskHandler } from './stepFunctions.js';
import type { TaskRequest, TaskResponse, TaskWorkerData } from './taskWorker.js';

const workerUrl = new URL('./taskWorker.mjs', import.meta.url);

export class TaskThreads {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private nextId = 1;

  constructor(private readonly data: TaskWorkerData) {}

  /** A handler that plays `state` in a thread. */
  handler(state: string): LocalTaskHandler {
    return (input) => this.run(state, input);
  }

  private async run(state: string, input: unknown): Promise<unknown> {
    const worker = this.idle.pop() ?? this.spawn();
    const id = this.nextId++;
    try {
      return await new Promise((resolve, reject) => {
        const onMessage = (response: TaskResponse) => {
          if (response.id !== id) return;
          cleanup();
          if ('error' in response) reject(Object.assign(new Error(response.error.message), { name: response.error.name }));
          else resolve(response.output);
        };
        const onError = (error: Error) => (cleanup(), reject(error));
        const onExit = (code: number) => (cleanup(), reject(Object.assign(new Error(`the task's thread exited with code ${code}`), { name: 'Runtime.ExitError' })));
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.postMessage({ id, state, input } satisfies TaskRequest);
      });
    } finally {
      if (this.all.has(worker)) this.idle.push(worker);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(workerUrl, { workerData: this.data });
    worker.unref();
    this.all.add(worker);
    worker.once('exit', () => {
      this.all.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    });
    return worker;
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((worker) => worker.terminate()));
  }
}
