/**
 * Threads for the fast kernels: the main thread plus `threads − 1` workers, each running the shared op
 * code (ops/) over the same WebAssembly memories. The kernels' interface is synchronous, so an op is
 * handed out synchronously too: its description goes to every worker's port, a generation counter in a
 * SharedArrayBuffer is bumped and notified, and every thread — the main one too — claims units of the
 * work from a shared counter until none is left; the main thread then waits (Atomics.wait, allowed on
 * Node's main thread) only for the units others have claimed. On a busy machine a worker the OS does
 * not schedule simply claims nothing, instead of holding up the op. Workers pick messages up
 * with `receiveMessageOnPort`, never through their event loop, which stays parked in Atomics.wait.
 * Workers are unref'd: they never keep a process alive.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { KernelOptionError, KernelThreadError } from './errors.js';
import { createOps } from './ops/index.js';
import type { ContextDescription } from './ops/layout.js';
import type { Op, Ops, WorkerMessage } from './ops/types.js';
import type { WasmModule } from './wasm/api.js';
import type { KernelWorkerData } from './worker.js';

/**
 * The worker threads' code: worker.ts and the ops, bundled into one file by wasm/build.ts (`npm run
 * build:kernels`, run by every npm script). It sits beside this module in the source tree and beside the
 * bundle in a Lambda asset (infra/lambda.ts copies it there), so the same relative URL finds it.
 */
export const KERNEL_WORKER_FILE = 'kernelWorker.mjs';
const workerUrl = new URL(`./${KERNEL_WORKER_FILE}`, import.meta.url);

/**
 * Memory of released contexts after which the workers are replaced. A worker drops a released context
 * from its map, but its isolate, parked in Atomics.wait, allocates almost nothing and so rarely collects
 * garbage: the WebAssembly memories it still references stay allocated (measured: 60 matrices of 8000 × 4
 * with kNN areas kept 413 MB with two threads, 10 MB with one). New workers start with the live contexts only.
 */
const RECYCLE_RELEASED_BYTES = 256 * 1024 * 1024;

export class KernelPool {
  readonly ops: Ops;
  private workers: Worker[] = [];
  private ports: MessagePort[] = [];
  /** [generation]: bumped and notified for every parallel op. */
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(4));
  /** The contexts added and not released, to hand to new workers. */
  private readonly live = new Map<number, ContextDescription>();
  private releasedBytes = 0;
  /** Times the workers were replaced (see RECYCLE_RELEASED_BYTES). */
  recycles = 0;

  constructor(
    private readonly module: WasmModule,
    readonly threads: number,
  ) {
    this.ops = createOps(module);
    if (threads > 1 && !existsSync(fileURLToPath(workerUrl))) {
      throw new KernelOptionError('threads', `the kernel worker file ${fileURLToPath(workerUrl)} is missing: run \`npm run build:kernels\``);
    }
    this.startWorkers();
  }

  private startWorkers(): void {
    for (let thread = 1; thread < this.threads; thread++) {
      const { port1, port2 } = new MessageChannel();
      const workerData: KernelWorkerData = { ctrl: this.ctrl, port: port2, thread, module: this.module, generation: Atomics.load(this.ctrl, 0) };
      const worker = new Worker(workerUrl, {
        // Not the parent's flags (a loader such as tsx): the worker file is plain JavaScript.
        execArgv: [],
        workerData,
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      for (const desc of this.live.values()) post(port1, { type: 'context', desc });
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  addContext(desc: ContextDescription): void {
    this.ops.addContext(desc);
    // What the threads need, apart from what the main thread adds to its own record later (a WeakRef
    // to k-center state cannot be sent, and new threads get this copy after a recycle).
    const { id, kind, dim, rows, rowsPerBlock, chunk, scratchPerThread, codes, blocks } = desc;
    const shared: ContextDescription = { id, kind, dim, rows, rowsPerBlock, chunk, scratchPerThread, codes, blocks };
    this.live.set(id, shared);
    for (const port of this.ports) post(port, { type: 'context', desc: shared });
  }

  /**
   * Forgets a context on every thread. Never called while an op runs: ops run synchronously, and release
   * comes from a finalizer or the caller between ops — so workers can be replaced here.
   */
  release(id: number): void {
    this.ops.release(id);
    const desc = this.live.get(id);
    this.live.delete(id);
    if (this.workers.length === 0) return;
    for (const b of desc?.blocks ?? []) this.releasedBytes += b.memory.buffer.byteLength;
    if (this.releasedBytes < RECYCLE_RELEASED_BYTES) {
      for (const port of this.ports) post(port, { type: 'release', id });
      return;
    }
    this.releasedBytes = 0;
    this.recycles++;
    const old = this.workers;
    this.workers = [];
    for (const port of this.ports) port.close();
    this.ports = [];
    // Ending a worker ends its isolate and whatever memories it still held.
    for (const worker of old) void worker.terminate();
    this.startWorkers();
  }

  /**
   * Runs `op` and returns when all its units are done: on this thread alone unless `op.parallel`, else
   * on every thread that is scheduled meanwhile (this one claims units too, so it never waits for a
   * worker that has not started a unit).
   */
  run(op: Op): void {
    if (this.workers.length === 0 || !op.parallel) {
      this.ops.run(op, 0);
      return;
    }
    for (const port of this.ports) post(port, { type: 'op', op });
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    let mainError: unknown;
    try {
      this.ops.run(op, 0);
    } catch (error) {
      mainError = error;
    }
    for (;;) {
      const completed = Atomics.load(op.progress, 1);
      if (completed >= op.units) break;
      Atomics.wait(op.progress, 1, completed);
    }
    if (mainError !== undefined) throw mainError;
    if (Atomics.load(op.progress, 2) !== 0) {
      const messages = this.ports.map((p) => (receiveMessageOnPort(p)?.message as { error?: string } | undefined)?.error).filter(Boolean);
      throw new KernelThreadError(messages.join('\n') || 'see the worker thread error above');
    }
  }

  /** Ends the workers (they are unref'd, so this is only needed to free them early). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}


function post(port: MessagePort, message: WorkerMessage): void {
  port.postMessage(message);
}
