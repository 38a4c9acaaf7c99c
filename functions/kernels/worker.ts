/**
 * A kernel worker thread (pool.ts starts it from the file wasm/build.ts bundles this into). It runs the
 * same ops as the main thread, parked in Atomics.wait between ops: each wake-up runs every message that
 * has arrived, in order; an op whose units are all claimed already (the caller finished it while this
 * thread was not scheduled) costs nothing. Messages are taken with receiveMessageOnPort, never through
 * the event loop, which stays blocked.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { createOps } from './ops/index.js';
import type { WorkerMessage } from './ops/types.js';
import type { WasmModule } from './wasm/api.js';

/** What pool.ts hands each worker. */
export interface KernelWorkerData {
  readonly ctrl: Int32Array;
  readonly port: MessagePort;
  readonly thread: number;
  readonly module: WasmModule;
  readonly generation: number;
}

const { ctrl, port, thread, module, generation } = workerData as KernelWorkerData;
const ops = createOps(module);
let seen = generation;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
    const message = received.message as WorkerMessage;
    if (message.type === 'context') ops.addContext(message.desc);
    else if (message.type === 'release') ops.release(message.id);
    else {
      try {
        ops.run(message.op, thread);
      } catch (error) {
        port.postMessage({ error: String((error instanceof Error && error.stack) || error) });
      }
    }
  }
}
