/**
 * The workflow's tasks each in a fresh child process, for the local runtime (`WINNOW_TASK_ISOLATION=process`):
 * as on Lambda, where a task that cold-starts has a process of its own, a task's peak memory
 * (recorded in the run's task timings) is its own and not that of every task and the API sharing one
 * process. The child runs the task worker (taskWorker.ts) over IPC, plays one task and is ended.
 * Starting it costs about a second (Node and the TypeScript loader), outside the task's recorded time,
 * as a Lambda's cold start is outside its handler's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { kernelModuleVariant } from '../../functions/kernels/fast/module.js';
import type { LocalTaskHandler } from './stepFunctions.js';
import type { TaskRequest, TaskResponse, TaskWorkerData } from './taskWorker.js';

/** In a task's child process: the environment variable holding its {@link TaskWorkerData} as JSON. */
export const TASK_WORKER_DATA_ENV = 'WINNOW_TASK_WORKER_DATA';

const workerPath = fileURLToPath(new URL('./taskWorker.mjs', import.meta.url));

/**
 * V8 flags a child needs to run the kernels as this process does: relaxed SIMD is behind a flag before
 * V8 11.4 (Node 20), which the bench runner sets at run time — a child would otherwise fall back to the
 * plain variant and measure other kernels than the threads do.
 */
function childV8Flags(): string[] {
  const [major, minor] = process.versions.v8.split('.').map(Number) as [number, number];
  const flagged = major < 11 || (major === 11 && minor < 4);
  return flagged && kernelModuleVariant()?.relaxed ? ['--experimental-wasm-relaxed-simd'] : [];
}

export class TaskProcesses {
  private readonly running = new Set<ChildProcess>();
  private readonly execArgv = childV8Flags();

  constructor(private readonly data: TaskWorkerData) {}

  /** A handler that plays `state` in a process of its own. */
  handler(state: string): LocalTaskHandler {
    return (input) => this.run(state, input);
  }

  private async run(state: string, input: unknown): Promise<unknown> {
    const child = fork(workerPath, [], {
      execArgv: this.execArgv,
      env: { ...process.env, [TASK_WORKER_DATA_ENV]: JSON.stringify(this.data) },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.running.add(child);
    const exited = once(child, 'exit');
    try {
      return await new Promise((resolve, reject) => {
        child.once('message', (response: TaskResponse) => {
          if ('error' in response) reject(Object.assign(new Error(response.error.message), { name: response.error.name }));
          else resolve(response.output);
        });
        child.once('error', reject);
        child.once('exit', (code, signal) =>
          reject(Object.assign(new Error(`the task's process exited with ${signal ?? `code ${code}`}`), { name: 'Runtime.ExitError' })),
        );
        child.send({ id: 1, state, input } satisfies TaskRequest);
      });
    } finally {
      // One task per process: its peak is measured before it answers; what it holds goes with it.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      this.running.delete(child);
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.running].map(async (child) => {
        const exited = once(child, 'exit');
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }),
    );
  }
}
