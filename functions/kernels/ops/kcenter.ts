/** The k-center ops: the squared distances of active rows to the newest centre, merged into their minimum. */
import { claimAll } from './claim.js';
import { fusedResult, kcenterScratch } from './layout.js';
import { scratchOf, type ThreadBlock, type ThreadContext, type ThreadContexts } from './threadContexts.js';
import { QUANTISE_MAXIMA, type KCenterFusedOp, type KCenterOp, type QuantiseOp } from './types.js';

/**
 * k-center over a unit of active entries: the squared distances to the centre (already written into
 * every block's centre area), merged into minDistSq with the arg-max exactly as the scalar reference
 * does. Unit u writes its changed rows from changed[a] on and [max, argMax, changedCount, computed in
 * float32] at result[4u]; the caller concatenates the units in order. With codes (op.codes) only the
 * rows the codes cannot rule out are computed; the others keep their distance, as they would.
 */
export function kcenter(contexts: ThreadContexts, op: KCenterOp, thread: number): void {
  const ctx = contexts.get(op.ctx);
  const { active, minDistSq, changed, result } = op;
  const single = ctx.blocks.length === 1;
  const dist = single ? null : new Float64Array(op.step);
  claimAll(op, (unit, a, end) => {
    const n = end - a;
    let max = 0;
    let argMax = -1;
    let changedCount = 0;
    let computed = 0;
    let values: Float64Array;
    let valuesBase: number;
    if (single) {
      const b = ctx.blocks[0]!;
      const s = kcenterScratch(scratchOf(b, ctx, thread), ctx.chunk);
      b.v.i32.set(active.subarray(a, a + n), s.rows >>> 2);
      if (op.codes) for (let i = 0; i < n; i++) b.v.f64[(s.distances >>> 3) + i] = minDistSq[active[a + i]!]!;
      computed += distances(ctx, b, s, n, op);
      values = b.v.f64;
      valuesBase = s.distances >>> 3;
    } else {
      for (const b of ctx.blocks) {
        const s = kcenterScratch(scratchOf(b, ctx, thread), ctx.chunk);
        const rows = b.v.i32;
        const positions: number[] = [];
        for (let i = 0; i < n; i++) {
          const u = active[a + i]!;
          if (u >= b.rowStart && u < b.rowStart + b.rows) {
            rows[(s.rows >>> 2) + positions.length] = u - b.rowStart;
            positions.push(i);
          }
        }
        if (positions.length === 0) continue;
        if (op.codes) for (let p = 0; p < positions.length; p++) b.v.f64[(s.distances >>> 3) + p] = minDistSq[active[a + positions[p]!]!]!;
        computed += distances(ctx, b, s, positions.length, op);
        const out = b.v.f64;
        const outBase = s.distances >>> 3;
        for (let p = 0; p < positions.length; p++) dist![positions[p]!] = out[outBase + p]!;
      }
      values = dist!;
      valuesBase = 0;
    }
    for (let i = 0; i < n; i++) {
      const u = active[a + i]!;
      const d = values[valuesBase + i]!;
      if (d < minDistSq[u]!) {
        minDistSq[u] = d;
        changed[a + changedCount++] = u;
      }
      const m = minDistSq[u]!;
      if (m > max || (m === max && (u < argMax || argMax < 0))) {
        max = m;
        argMax = u;
      }
    }
    result[unit * 4] = max;
    result[unit * 4 + 1] = argMax;
    result[unit * 4 + 2] = changedCount;
    result[unit * 4 + 3] = computed;
  });
}

/**
 * The distances of the rows listed in the scratch to the block's centre, into the scratch (with codes:
 * only where they cannot rule out a lower one, the scratch holding the current ones); how many were computed.
 */
function distances(ctx: ThreadContext, b: ThreadBlock, s: { rows: number; distances: number }, n: number, op: KCenterOp): number {
  const c = op.codes;
  if (!c) {
    b.exports.kcenterDistances(b.data, b.norms32, ctx.dim, b.center, op.centerNorm, s.rows, n, s.distances);
    return n;
  }
  return b.exports.kcenterDistancesCoded(b.data, b.norms32, ctx.dim, b.center, op.centerNorm, s.rows, n, s.distances, b.codes, b.codeTerms, b.centerCodes, c.scale, c.a, c.b, b.coarseCenterCodes, c.coarseK);
}

/**
 * The fused k-center update of one block (op.block): minimum distances, active and changed rows (the
 * block's own row numbers) all in the block's memory, so each unit is one WebAssembly call; [max, argMax, changedCount, skipped, computed in float32] of unit u
 * go to result[5u]. op.bounded: rows whose projection shows they cannot get closer are skipped; op.codes:
 * likewise rows whose int8 codes show it (same results either way).
 */
export function kcenterFused(contexts: ThreadContexts, op: KCenterFusedOp, thread: number): void {
  const ctx = contexts.get(op.ctx);
  const b = ctx.blocks[op.block]!;
  const s = scratchOf(b, ctx, thread);
  const r = fusedResult(s);
  const proj = op.bounded ? b.proj : 0;
  const c = op.codes;
  claimAll(op, (unit, a, end) => {
    if (c) {
      b.exports.kcenterUpdateCoded(b.data, b.norms32, ctx.dim, b.center, op.centerNorm, b.active, a, end - a, b.minDist, b.changed, s, proj, b.projCenter, b.codes, b.codeTerms, b.centerCodes, c.scale, c.a, c.b, b.coarseCenterCodes, c.coarseK);
    } else {
      b.exports.kcenterUpdate(b.data, b.norms32, ctx.dim, b.center, op.centerNorm, b.active, a, end - a, b.minDist, b.changed, s, proj, b.projCenter);
    }
    op.result[unit * 5] = b.v.f64[r.max >>> 3]!;
    op.result[unit * 5 + 1] = b.v.i32[r.argMax >>> 2]!;
    op.result[unit * 5 + 2] = b.v.i32[r.changedCount >>> 2]!;
    op.result[unit * 5 + 3] = b.v.i32[r.skipped >>> 2]!;
    op.result[unit * 5 + 4] = c ? b.v.i32[r.computed >>> 2]! : end - a - b.v.i32[r.skipped >>> 2]!;
  });
}

/**
 * The int8 codes of a unit of one block's rows, on whichever thread claims it: the first write of the
 * codes' pages costs as much as the coding itself, and both go as fast again on two threads. Unit u's
 * [M, X, e, s] go to result[4u…]: the largest s·‖q‖ (quantiseRows), and the largest |x|², error and scale
 * among its rows whose error is finite (fast/kcenter.ts, coarseTestK), read while the terms are in cache.
 */
export function quantise(contexts: ThreadContexts, op: QuantiseOp): void {
  const ctx = contexts.get(op.ctx);
  const b = ctx.blocks[op.block]!;
  const dim = ctx.dim;
  const f32 = b.v.f32;
  claimAll(op, (unit, a, end) => {
    const at = unit * QUANTISE_MAXIMA;
    op.result[at] = b.exports.quantiseRows(b.data + a * dim * 4, b.norms32 + a * 4, dim, end - a, b.codes + a * dim, b.codeTerms + a * 16);
    let X = 0;
    let e = 0;
    let s = 0;
    for (let t = (b.codeTerms >>> 2) + a * 4, last = (b.codeTerms >>> 2) + end * 4; t < last; t += 4) {
      // A row whose error is not finite is never ruled out (its bound is NaN): it bounds nothing. A row
      // whose |x|² overflowed, its error finite, is ruled out (bound +∞) rightly: with S under 2¹⁰⁰ its
      // dot product with the centre is finite, so its float32 distance is +∞ too.
      if (!(f32[t + 2]! < Infinity)) continue;
      if (f32[t]! < Infinity) X = Math.max(X, f32[t]!);
      e = Math.max(e, f32[t + 2]!);
      s = Math.max(s, f32[t + 3]!);
    }
    op.result[at + 1] = X;
    op.result[at + 2] = e;
    op.result[at + 3] = s;
  });
}
