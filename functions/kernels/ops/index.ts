/**
 * The per-thread part of every fast kernel: the main thread runs it directly and every worker runs it
 * from the built worker file (worker.ts, bundled by wasm/build.ts), so both execute the same code.
 */
import { kcenter, kcenterFused, quantise } from './kcenter.js';
import { emptyLists, neighbours } from './neighbours.js';
import { claimAll } from './claim.js';
import { knnMerge, knnPairs } from './symmetricKnn.js';
import { ThreadContexts, views } from './threadContexts.js';
import type { Op, Ops, ReadOp } from './types.js';
import type { WasmModule } from '../wasm/api.js';

export function createOps(module: WasmModule): Ops {
  const contexts = new ThreadContexts(module);
  return {
    addContext: (desc) => contexts.add(desc),
    release: (id) => contexts.release(id),
    run(op: Op, thread: number) {
      switch (op.type) {
        case 'kcenter':
          return kcenter(contexts, op, thread);
        case 'kcenterFused':
          return kcenterFused(contexts, op, thread);
        case 'quantise':
          return quantise(contexts, op);
        case 'neighbours':
          return neighbours(contexts, op, thread);
        case 'knnPairs':
          return knnPairs(contexts, op, thread);
        case 'knnMerge':
          return knnMerge(contexts, op, thread);
        case 'read':
          return read(contexts, op);
        default:
          throw new Error(`unknown kernel op ${(op as { type: string }).type}`);
      }
    },
    emptyArea: (memory, lists, ceil, rows, m) => emptyLists(views(memory), lists, ceil, rows, m),
  };
}

/** Read bandwidth: units of rows of the first block, summed (the sum only keeps the reads from being skipped). */
function read(contexts: ThreadContexts, op: ReadOp): void {
  const ctx = contexts.get(op.ctx);
  const b = ctx.blocks[0]!;
  claimAll(op, (unit, a, end) => {
    op.result[unit] = Number(b.exports.readBytes(b.data + a * ctx.dim * 4, (end - a) * ctx.dim * 4) & 0xffffn);
  });
}
