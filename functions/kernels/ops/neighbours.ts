/**
 * Nearest neighbours of query rows among candidate rows, by tiles of query rows: float32 SIMD (knnTile)
 * keeps op.m candidates per row, then they are re-ranked in float64 with the reference's formula
 * ({@link rerank}), so the values are the reference's whenever the neighbours are. The symmetric kNN
 * (ops/symmetricKnn.ts) shares the re-rank.
 */
import { dot } from '../index.js';
import { claimAll } from './claim.js';
import { neighbourScratch } from './layout.js';
import { rowView, scratchOf, type ThreadBlock, type ThreadContext, type ThreadContexts, type Views } from './threadContexts.js';
import type { NeighbourFields, NeighboursOp } from './types.js';

/** A row's exact candidates, ascending by key (ties: lower id first); reused from row to row. */
export interface ExactList {
  readonly keys: Float64Array;
  readonly ids: Int32Array;
}

/**
 * Where a row's float32 survivors are: m ids (−1 past the last) at each of the int32 offsets `at` into
 * `v`, the lists' ceilings at the float32 offsets `ceilAt`. Reused from row to row: a million rows must
 * not mean a million arrays.
 */
export interface SurvivorLists {
  v: Views | null;
  readonly at: number[];
  readonly ceilAt: number[];
}

/** The candidates' one block, which `SurvivorLists.v` views: the query row's pointer and room for m dot products (f64) there. */
export interface InBlockDots {
  readonly b: ThreadBlock;
  q: number;
  readonly out: number;
}

const NO_SELF = -0x40000000;

/** Nearest neighbours of query rows [from, to) of context op.q among rows [op.cFrom, op.cTo) of context op.c. */
export function neighbours(contexts: ThreadContexts, op: NeighboursOp, thread: number): void {
  const qc = contexts.get(op.q);
  const cc = contexts.get(op.c);
  const dim = qc.dim;
  const m = op.m;
  const self = op.q === op.c;
  const exact: ExactList = { keys: new Float64Array(m), ids: new Int32Array(m) };
  const survivors: SurvivorLists = { v: null, at: [0], ceilAt: [0] };
  const none: SurvivorLists = { v: null, at: [], ceilAt: [] };
  claimAll(op, (_unit, qs, qe) => {
    const tq = qe - qs;
    let prev: { b: ThreadBlock; s: ReturnType<typeof neighbourScratch>; queries: number } | null = null;
    for (const b of cc.blocks) {
      // The candidates: this block's rows within [op.cFrom, op.cTo).
      const lo = Math.max(op.cFrom, b.rowStart);
      const hi = Math.min(op.cTo, b.rowStart + b.rows);
      if (hi <= lo) continue;
      const s = neighbourScratch(scratchOf(b, cc, thread), op.step, m, dim);
      const queries = placeQueries(qc, b, s.queries, qs, qe, self && cc.blocks.length === 1);
      if (prev === null) {
        emptyLists(b.v, s.lists, s.ceil, tq, m);
      } else {
        // The lists so far, carried over from the previous block.
        b.v.i32.set(prev.b.v.i32.subarray(prev.s.lists >>> 2, (prev.s.lists >>> 2) + tq * m * 2), s.lists >>> 2);
        b.v.f32.set(prev.b.v.f32.subarray(prev.s.ceil >>> 2, (prev.s.ceil >>> 2) + tq), s.ceil >>> 2);
      }
      const skip = lo - b.rowStart;
      b.exports.knnTile(queries, tq, 0, 0, dim, b.data + skip * dim * 4, b.norms32 + skip * 4, hi - lo, lo, self ? qs : NO_SELF, m, s.lists, s.ceil);
      prev = { b, s, queries };
    }
    if (prev === null) {
      // No candidates in range: every row gets the empty result.
      for (let i = 0; i < tq; i++) rerank(op, qc, cc, qs + i, none, exact, null);
      return;
    }
    const inBlock: InBlockDots | null = cc.blocks.length === 1 ? { b: prev.b, q: 0, out: prev.s.dots } : null;
    survivors.v = prev.b.v;
    for (let i = 0; i < tq; i++) {
      if (inBlock) inBlock.q = prev.queries + i * dim * 4;
      survivors.at[0] = (prev.s.lists >>> 2) + (2 * i + 1) * m;
      survivors.ceilAt[0] = (prev.s.ceil >>> 2) + i;
      rerank(op, qc, cc, qs + i, survivors, exact, inBlock);
    }
  });
}

/**
 * The pointer to query rows [qs, qe) side by side in block `b`'s memory: where they already lie (`inPlace`:
 * the queries are the candidates' one block), else copied to `at` — in one piece when they lie in one
 * block of their matrix (the usual case).
 */
function placeQueries(qc: ThreadContext, b: ThreadBlock, at: number, qs: number, qe: number, inPlace: boolean): number {
  const dim = qc.dim;
  const first = rowView(qc, qs);
  if (inPlace) return first.offset * 4;
  if (first.b === rowView(qc, qe - 1).b) {
    b.v.f32.set(first.f32.subarray(first.offset, first.offset + (qe - qs) * dim), at >>> 2);
  } else {
    for (let i = 0; i < qe - qs; i++) {
      const r = rowView(qc, qs + i);
      b.v.f32.set(r.f32.subarray(r.offset, r.offset + dim), (at >>> 2) + i * dim);
    }
  }
  return at;
}

/**
 * Re-ranks one row's survivors exactly, by insertion (they are few), and writes the row's output. With
 * `inBlock` the dot products come from WebAssembly (exactDots: the same values), else from `dot`.
 *
 * Exactness: the float32 filter's key of a candidate is within E = 1.01·(dim + 2)·2⁻²⁴·(C² + 2·|q|·C) of
 * its true |c|² − 2·q·c (C: the largest candidate norm, op.maxNorm; products and sums of dim + 2 terms in
 * float32). A candidate left out of a full list had a filter key ≥ that list's ceiling, so a true key ≥
 * ceiling − E. When the wanted-th exact key is below every full list's ceiling − E, nothing left out
 * can come before it and the result is the reference's. Otherwise a left-out candidate can only tie
 * with it to within 2E; where 2E matters at the scale of the data (rows far from the origin against
 * their spread) the row is computed over every candidate (exactRow, O(rows · dim) in JavaScript).
 */
export function rerank(op: NeighbourFields, qc: ThreadContext, cc: ThreadContext, row: number, survivors: SurvivorLists, exact: ExactList, inBlock: InBlockDots | null): void {
  const m = op.m;
  const dim = qc.dim;
  const q = rowView(qc, row);
  const v = survivors.v;
  let count = 0;
  for (const base of survivors.at) {
    const ids = v!.i32;
    let n = 0;
    while (n < m && ids[base + n]! >= 0) n++;
    if (inBlock) inBlock.b.exports.exactDots(inBlock.q, inBlock.b.data, dim, base * 4, n, inBlock.out);
    for (let c = 0; c < n; c++) {
      const id = ids[base + c]!;
      if (inBlock) {
        const f64 = inBlock.b.v.f64;
        count = insertExact(op, exact, count, count + 1, q.norm, f64[(inBlock.b.norms64 >>> 3) + id]!, f64[(inBlock.out >>> 3) + c]!, id);
      } else {
        count = insertCandidate(op, cc, q, exact, count, count + 1, id);
      }
    }
  }
  const wanted = op.mode === 'nearest' ? 1 : op.kk;
  let ceiling = Infinity;
  for (const c of survivors.ceilAt) ceiling = Math.min(ceiling, v!.f32[c]!);
  if (ceiling !== Infinity && count >= wanted) {
    const qn = Math.sqrt(q.norm);
    const e = 1.01 * (dim + 2) * 2 ** -24 * (op.maxNorm * op.maxNorm + 2 * qn * op.maxNorm);
    // Keys as the filter's: without |q|², which nearest's exact keys include.
    const shift = op.mode === 'nearest' ? q.norm : 0;
    const kth = exact.keys[wanted - 1]! - shift;
    // Failing the check, a candidate left out is at most 2E below the wanted-th key: a tie within the
    // filter's rounding, accepted where 2E is under 2⁻¹⁰ of the survivors' largest squared distance or of
    // a sixteenth of the candidates' spread (near-duplicates of a static scene are not worth an exact
    // pass each), and where that key is a distance of 0 (nothing comes before it).
    const scale = Math.max(q.norm + exact.keys[count - 1]! - shift, op.spread / 16);
    if (!(kth < ceiling - e) && q.norm + kth > 0 && 2 * e > scale * 2 ** -10) {
      count = exactRow(op, cc, q, row, exact, wanted);
      Atomics.add(op.fallbacks, 0, 1);
    }
  }
  writeRow(op, row, q.norm, exact, count);
}

/** A row's output from its exact list of `count` candidates. */
function writeRow(op: NeighbourFields, row: number, qNorm: number, exact: ExactList, count: number): void {
  const o = row - op.outBase;
  if (op.mode === 'nearest') {
    op.out[o] = Math.sqrt(Math.max(0, count > 0 ? exact.keys[0]! : Infinity));
    return;
  }
  for (let c = 0; c < op.k; c++) {
    if (op.mode === 'ids') {
      op.ids![o * op.k + c] = c < count ? exact.ids[c]! : -1;
      op.out[o * op.k + c] = c < count ? Math.sqrt(Math.max(0, qNorm + exact.keys[c]!)) : NaN;
    } else {
      op.out[o * op.k + c] = c < op.kk && c < count ? Math.sqrt(Math.max(0, qNorm + exact.keys[c]!)) : NaN;
    }
  }
}

type QueryRow = ReturnType<typeof rowView>;

/**
 * The row's `wanted` nearest among every candidate of [op.cFrom, op.cTo), exactly (the filter could not
 * vouch for its survivors); returns how many there are.
 */
function exactRow(op: NeighbourFields, cc: ThreadContext, q: QueryRow, row: number, exact: ExactList, wanted: number): number {
  let count = 0;
  for (let id = op.cFrom; id < op.cTo; id++) {
    if (op.mode === 'knn' && id === row) continue;
    count = insertCandidate(op, cc, q, exact, count, wanted, id);
  }
  return count;
}

function insertCandidate(op: NeighbourFields, cc: ThreadContext, q: QueryRow, exact: ExactList, count: number, capacity: number, id: number): number {
  const cand = rowView(cc, id);
  return insertExact(op, exact, count, capacity, q.norm, cand.norm, dot(q.f32, q.offset, cand.f32, cand.offset, cc.dim), id);
}

/**
 * Inserts a candidate by its exact key — the reference's association: knn adds |i|² last, nearest adds
 * |q|² first — into the ascending keys (ties: lower id first), keeping at most `capacity`; returns the count.
 */
function insertExact(op: NeighbourFields, exact: ExactList, count: number, capacity: number, qNorm: number, norm: number, dv: number, id: number): number {
  const key = op.mode === 'nearest' ? qNorm + norm - 2 * dv : norm - 2 * dv;
  const keys = exact.keys;
  const ids = exact.ids;
  if (count === capacity && !(key < keys[count - 1]! || (key === keys[count - 1] && id < ids[count - 1]!))) return count;
  let p = count === capacity ? count - 1 : count++;
  while (p > 0 && (keys[p - 1]! > key || (keys[p - 1] === key && ids[p - 1]! > id))) {
    keys[p] = keys[p - 1]!;
    ids[p] = ids[p - 1]!;
    p--;
  }
  keys[p] = key;
  ids[p] = id;
  return count;
}

/** Empty candidate lists for `rows` rows at `lists` (m keys +Inf, then m ids −1, per row) and their ceilings. */
export function emptyLists(v: Views, lists: number, ceil: number, rows: number, m: number): void {
  for (let r = 0, at = lists >>> 2; r < rows; r++, at += 2 * m) {
    v.f32.fill(Infinity, at, at + m);
    v.i32.fill(-1, at + m, at + 2 * m);
  }
  v.f32.fill(Infinity, ceil >>> 2, (ceil >>> 2) + rows);
}
