/**
 * Threads for the fast kernels: the main thread plus `threads − 1` workers, each running the shared op
 * code (ops.ts) over the same WebAssembly memories. The kernels' interface is synchronous, so an op is
 * handed out synchronously too: its description goes to every worker's port, a generation counter in a
 * SharedArrayBuffer is bumped and notified, the main thread does its own share, then waits (Atomics.wait,
 * allowed on Node's main thread) until every worker has counted itself done. Workers pick messages up
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

/** An op: its `type`, per-thread boundaries `ranges` (threads + 1 entries) and its own fields. */
export interface Op {
  readonly type: 'kcenter' | 'neighbours' | 'read';
  readonly ranges: readonly number[];
  readonly [field: string]: unknown;
}

// process.getBuiltinModule, not require: the source may be evaluated as CommonJS or as an ES module.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads');
const { ctrl, port, thread } = workerData;
const ops = ${OPS_SOURCE}(workerData.module);
Atomics.store(ctrl, 2 + thread, 1);
let seen = workerData.generation;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  let op = null;
  for (;;) {
    const received = receiveMessageOnPort(port);
    if (received === undefined) {
      if (op !== null) break;
      continue;
    }
    const message = received.message;
    if (message.type === 'context') ops.addContext(message.desc);
    else if (message.type === 'release') ops.release(message.id);
    else op = message.op;
  }
  try {
    ops.run(op, thread);
  } catch (error) {
    port.postMessage({ error: String(error && error.stack || error) });
    Atomics.store(ctrl, 2, 1);
  }
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
`;

/** How long a worker may take to start before an op waiting for it fails. */
const STARTUP_LIMIT_MS = 60_000;

export function createOps(module: WasmModule): Ops {
  // The shared op code, see ops.ts.
  return (new Function(`return ${OPS_SOURCE}`)() as (m: WasmModule) => Ops)(module);
}

export class KernelPool {
  readonly ops: Ops;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  /** [generation, done count, error flag, then per worker thread 1 once it has started]. */
  private readonly ctrl: Int32Array;
  private done = 0;

  constructor(
    module: WasmModule,
    readonly threads: number,
  ) {
    this.ops = createOps(module);
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * (3 + threads)));
    for (let thread = 1; thread < threads; thread++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // Not the parent's flags (a loader such as tsx, --input-type): the source is plain JavaScript.
        execArgv: [],
        workerData: { ctrl: this.ctrl, port: port2, thread, module, generation: Atomics.load(this.ctrl, 0) },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  addContext(desc: ContextDescription): void {
    this.ops.addContext(desc);
    for (const port of this.ports) port.postMessage({ type: 'context', desc });
  }

  release(id: number): void {
    this.ops.release(id);
    for (const port of this.ports) port.postMessage({ type: 'release', id });
  }

  /** Runs `op` on every thread (thread t takes ranges[t]..ranges[t + 1]) and returns when all are done. */
  run(op: Op): void {
    if (this.workers.length === 0 || op.ranges.length === 2) {
      this.ops.run(op, 0);
      return;
    }
    for (const port of this.ports) port.postMessage({ type: 'op', op });
    Atomics.store(this.ctrl, 2, 0);
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    this.done += this.workers.length;
    let mainError: unknown;
    try {
      this.ops.run(op, 0);
    } catch (error) {
      mainError = error;
    }
    const started = performance.now();
    for (;;) {
      const done = Atomics.load(this.ctrl, 1);
      if (done >= this.done) break;
      Atomics.wait(this.ctrl, 1, done, 1000);
      // A worker that never started (it cannot report an error through a blocked event loop) would
      // otherwise leave this thread waiting for ever.
      if (performance.now() - started > STARTUP_LIMIT_MS && this.workers.some((_, i) => Atomics.load(this.ctrl, 3 + i) === 0)) {
        throw new KernelThreadError(`a worker thread did not start within ${STARTUP_LIMIT_MS / 1000} s`);
      }
    }
    if (mainError !== undefined) throw mainError;
    if (Atomics.load(this.ctrl, 2) !== 0) {
      const messages = this.ports.map((p) => (receiveMessageOnPort(p)?.message as { error?: string } | undefined)?.error).filter(Boolean);
      throw new KernelThreadError(messages.join('\n'));
    }
  }

  /** Ends the workers (they are unref'd, so this is only needed to free them early). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** Splits [from, to) into `parts` ranges, as boundaries. */
export function splitRange(from: number, to: number, parts: number): number[] {
  const bounds = [from];
  for (let p = 1; p < parts; p++) bounds.push(from + Math.floor(((to - from) * p) / parts));
  bounds.push(to);
  return bounds;
}
