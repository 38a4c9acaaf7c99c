/**
 * kNN of rows [op.from, op.to) among candidates [op.cFrom, op.cTo) ⊇ them, in a one-block context, each
 * pair of the query rows computed once: a unit is a tile of rows, against itself, then every query row
 * after it with each dot product offered to both rows, then the candidates outside the query rows (one
 * direction). A query row's offers thus come from units any thread ran, so every thread keeps candidate
 * lists for every query row, in its own area of the block (op.area + thread · op.areaBytes: lists, then
 * ceilings, as {@link symmetricArea} lays them out; emptied by the caller), indexed by row (the pointers
 * handed to knnTile are offset by op.from, modulo 2³² as WebAssembly addresses are). knnMerge then
 * re-ranks, per row, the union of all threads' survivors: each pair was offered in exactly one thread, so
 * a true neighbour is among the survivors of the thread that saw it.
 */
import { claimAll } from './claim.js';
import { symmetricArea } from './layout.js';
import { rerank, type ExactList, type InBlockDots, type SurvivorLists } from './neighbours.js';
import { fresh, scratchOf, type ThreadContexts } from './threadContexts.js';
import type { KnnMergeOp, KnnPairsOp } from './types.js';

const NO_SELF = -0x40000000;

export function knnPairs(contexts: ThreadContexts, op: KnnPairsOp, thread: number): void {
  const cc = contexts.get(op.c);
  const b = cc.blocks[0]!;
  const dim = cc.dim;
  const m = op.m;
  const rows = op.to - op.from;
  const own = symmetricArea(op.area + thread * op.areaBytes, rows, m);
  const lists = (own.lists - op.from * m * 8) | 0;
  const ceil = (own.ceil - op.from * 4) | 0;
  const tile = (queries: number, tq: number, qs: number, qNorms: number, from: number, to: number, self: number) => {
    if (to > from) b.exports.knnTile(queries, tq, qs, qNorms, dim, b.data + from * dim * 4, b.norms32 + from * 4, to - from, from, self, m, lists, ceil);
  };
  claimAll(op, (_unit, qs, qe) => {
    const tq = qe - qs;
    const queries = b.data + qs * dim * 4;
    const qNorms = b.norms32 + qs * 4;
    tile(queries, tq, qs, 0, qs, qe, qs);
    tile(queries, tq, qs, qNorms, qe, op.to, NO_SELF);
    tile(queries, tq, qs, 0, op.cFrom, op.from, NO_SELF);
    tile(queries, tq, qs, 0, op.to, op.cTo, NO_SELF);
  });
}

// Opens with the same reads of the context as knnPairs on purpose: each op stands alone, as the
// worker runs it, and a shared helper would hide what the hot loop reads.
export function knnMerge(contexts: ThreadContexts, op: KnnMergeOp, thread: number): void {
  const cc = contexts.get(op.c);
  const b = cc.blocks[0]!;
  const m = op.m;
  const dim = cc.dim;
  const rows = op.to - op.from;
  const exact: ExactList = { keys: new Float64Array(m * op.areas), ids: new Int32Array(m * op.areas) };
  const survivors: SurvivorLists = { v: fresh(b), at: new Array<number>(op.areas).fill(0), ceilAt: new Array<number>(op.areas).fill(0) };
  const inBlock: InBlockDots = { b, q: 0, out: scratchOf(b, cc, thread) };
  const areas = Array.from({ length: op.areas }, (_, t) => symmetricArea(op.area + t * op.areaBytes, rows, m));
  claimAll(op, (_unit, rs, re) => {
    for (let row = rs; row < re; row++) {
      const pos = row - op.from;
      for (let t = 0; t < op.areas; t++) {
        survivors.at[t] = (areas[t]!.lists >>> 2) + (2 * pos + 1) * m;
        survivors.ceilAt[t] = (areas[t]!.ceil >>> 2) + pos;
      }
      inBlock.q = b.data + row * dim * 4;
      rerank(op, cc, cc, row, survivors, exact, inBlock);
    }
  });
}
