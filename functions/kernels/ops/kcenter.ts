/** The k-center ops: the squared distances of active rows to the newest centre, merged into their minimum. */
import { claimAll } from './claim.js';
import { fusedResult, kcenterScratch } from './layout.js';
import { scratchOf, type ThreadBlock, type ThreadContext, type ThreadContexts } from './threadContexts.js';
import type { KCenterFusedOp, KCenterOp } from './types.js';

/**
 * k-center over a unit of active entries: the squared distances to the centre (already written into
 * every block's centre area), merged into minDistSq with the arg-max exactly as the scalar reference
 * does. Unit u writes its changed rows from changed[a] on and [max, argMax, changedCount] at result[3u];
 * the caller concatenates the units in order.
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
    let values: Float64Array;
    let valuesBase: number;
    if (single) {
      const b = ctx.blocks[0]!;
      const s = kcenterScratch(scratchOf(b, ctx, thread), ctx.chunk);
      b.v.i32.set(active.subarray(a, a + n), s.rows >>> 2);
      distances(ctx, b, s, n, op.centerNorm);
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
        distances(ctx, b, s, positions.length, op.centerNorm);
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
    result[unit * 3] = max;
    result[unit * 3 + 1] = argMax;
    result[unit * 3 + 2] = changedCount;
  });
}

/** The distances of the rows listed in the scratch to the block's centre, into the scratch. */
function distances(ctx: ThreadContext, b: ThreadBlock, s: { rows: number; distances: number }, n: number, centerNorm: number): void {
  if (ctx.kind === 'int8') b.exports.kcenterDistancesInt8(b.data, b.scales, b.norms64, ctx.dim, b.center, centerNorm, s.rows, n, s.distances);
  else b.exports.kcenterDistances(b.data, b.norms32, ctx.dim, b.center, centerNorm, s.rows, n, s.distances);
}

/**
 * The fused k-center update: minimum distances, active and changed rows all in the block's memory, so
 * each unit is one WebAssembly call; [max, argMax, changedCount, skipped] of unit u go to result[4u].
 * op.bounded: rows whose projection shows they cannot get closer are skipped (same results).
 */
export function kcenterFused(contexts: ThreadContexts, op: KCenterFusedOp, thread: number): void {
  const ctx = contexts.get(op.ctx);
  const b = ctx.blocks[0]!;
  const s = scratchOf(b, ctx, thread);
  const r = fusedResult(s);
  const proj = op.bounded ? b.proj : 0;
  claimAll(op, (unit, a, end) => {
    b.exports.kcenterUpdate(b.data, b.norms32, ctx.dim, b.center, op.centerNorm, b.active, a, end - a, b.minDist, b.changed, s, proj, b.projCenter);
    op.result[unit * 4] = b.v.f64[r.max >>> 3]!;
    op.result[unit * 4 + 1] = b.v.i32[r.argMax >>> 2]!;
    op.result[unit * 4 + 2] = b.v.i32[r.changedCount >>> 2]!;
    op.result[unit * 4 + 3] = b.v.i32[r.skipped >>> 2]!;
  });
}
