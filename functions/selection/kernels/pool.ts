/**
 * Threads for the fast kernels: the main thread plus `threads − 1` workers, each running the shared op
 * code (ops.ts) over the same WebAssembly memories. The kernels' interface is synchronous, so an op is
 * handed out synchronously too: its description goes to every worker's port, a generation counter in a
 * SharedArrayBuffer is bumped and notified, and every thread — the main one too — claims units of the
 * work from a shared counter until none is left; the main thread then waits (Atomics.wait, allowed on
 * Node's main thread) only for the units others have claimed. On a busy machine a worker the OS does
 * not schedule simply claims nothing, instead of holding up the op. Workers pick messages up
 * with `receiveMessageOnPort`, never through their event loop, which stays parked in Atomics.wait.
 * Workers are unref'd: they never keep a process alive.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { OPS_SOURCE } from './ops.js';
import { KernelThreadError } from './errors.js';
import type { WasmMemory, WasmModule } from './wasm/api.js';

/** What ops.ts exposes. */
export interface Ops {
  addContext(desc: ContextDescription): void;
  release(id: number): void;
  run(op: Op, thread: number): void;
  /** Empty candidate lists (m keys +Inf then m ids −1 per row, from `lists`) and their ceilings (+Inf, from `ceil`). */
  emptyArea(memory: WasmMemory, lists: number, ceil: number, rows: number, m: number): void;
}

export interface BlockDescription {
  readonly memory: WasmMemory;
  readonly rowStart: number;
  readonly rows: number;
  /** Byte offsets into the block's memory. */
  readonly data: number;
  readonly scales: number;
  readonly norms64: number;
  readonly norms32: number;
  readonly center: number;
  readonly scratch: number;
  /** k-center state beside the rows (float32 contexts): minimum distances (f64), active and changed rows (i32); 0 when absent. */
  readonly minDist: number;
  readonly active: number;
  readonly changed: number;
  /** The projection bound (float32 contexts): 16 floats per row, the basis (16 × dim), the centre's projection. */
  readonly proj: number;
  readonly basis: number;
  readonly projCenter: number;
}

export interface ContextDescription {
  readonly id: number;
  readonly kind: 'float32' | 'int8';
  readonly dim: number;
  readonly rows: number;
  readonly rowsPerBlock: number;
  readonly chunk: number;
  readonly scratchPerThread: number;
  readonly blocks: readonly BlockDescription[];
}

/**
 * An op: its `type`, items [from, to) in `units` units of `step` items that threads claim one at a time
 * through `progress` ([claimed, completed, failed]; in a SharedArrayBuffer when `parallel`), and its own
 * fields.
 */
export interface Op {
  readonly type: 'kcenter' | 'kcenterFused' | 'neighbours' | 'knnPairs' | 'knnMerge' | 'read';
  readonly from: number;
  readonly to: number;
  readonly step: number;
  readonly units: number;
  readonly parallel: boolean;
  readonly progress: Int32Array;
  readonly [field: string]: unknown;
}

export function makeOp(type: Op['type'], from: number, to: number, step: number, parallel: boolean, fields: Record<string, unknown>): Op {
  const progress = parallel ? new Int32Array(new SharedArrayBuffer(12)) : new Int32Array(3);
  return { ...fields, type, from, to, step, units: Math.ceil((to - from) / step), parallel, progress };
}

// process.getBuiltinModule, not require: the source may be evaluated as CommonJS or as an ES module.
// Each wake-up runs every op that has arrived, in order; an op whose units are all claimed already (the
// caller finished it while this thread was not scheduled) costs nothing.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads');
const { ctrl, port, thread } = workerData;
const ops = ${OPS_SOURCE}(workerData.module);
let seen = workerData.generation;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
    const message = received.message;
    if (message.type === 'context') ops.addContext(message.desc);
    else if (message.type === 'release') ops.release(message.id);
    else {
      try {
        ops.run(message.op, thread);
      } catch (error) {
        port.postMessage({ error: String(error && error.stack || error) });
      }
    }
  }
}
`;

export function createOps(module: WasmModule): Ops {
  // The shared op code, see ops.ts.
  return (new Function(`return ${OPS_SOURCE}`)() as (m: WasmModule) => Ops)(module);
}

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
    this.startWorkers();
  }

  private startWorkers(): void {
    for (let thread = 1; thread < this.threads; thread++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // Not the parent's flags (a loader such as tsx, --input-type): the source is plain JavaScript.
        execArgv: [],
        workerData: { ctrl: this.ctrl, port: port2, thread, module: this.module, generation: Atomics.load(this.ctrl, 0) },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      for (const desc of this.live.values()) port1.postMessage({ type: 'context', desc });
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  addContext(desc: ContextDescription): void {
    this.ops.addContext(desc);
    this.live.set(desc.id, desc);
    for (const port of this.ports) port.postMessage({ type: 'context', desc });
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
      for (const port of this.ports) port.postMessage({ type: 'release', id });
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
    for (const port of this.ports) port.postMessage({ type: 'op', op });
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

