/**
 * The per-thread part of every fast kernel, as JavaScript source: the main thread evaluates it
 * (`new Function`) and every worker runs it, so both execute the very same code. A source string — not a
 * module — because the worker must start the same way under tsx, vitest and inside a one-file esbuild
 * Lambda bundle (`new Worker(source, { eval: true })`), where no worker file exists on disk.
 *
 * A context is one matrix copied into WebAssembly memory: blocks of consecutive rows, each block one
 * shared WebAssembly.Memory (at most 4 GiB) laid out as
 *   [reserved | rows (f32 or i8) | scales (f32, int8 only) | norms (f64) | norms (f32) | centre | scratch × threads]
 * and one instance of the kernels per block and thread. The main thread creates the memories; workers
 * receive them by message.
 *
 * `createOps(module)` returns { addContext, release, run(op, thread), emptyArea(memory, lists, ceil, rows, m) }.
 */
export const OPS_SOURCE = String.raw`(function createOps(wasmModule) {
  const contexts = new Map();

  function views(memory) {
    const buffer = memory.buffer;
    return { f32: new Float32Array(buffer), f64: new Float64Array(buffer), i32: new Int32Array(buffer), i8: new Int8Array(buffer) };
  }

  function addContext(desc) {
    const blocks = desc.blocks.map((b) => {
      const instance = new WebAssembly.Instance(wasmModule, { env: { memory: b.memory } });
      return Object.assign({}, b, { exports: instance.exports, v: views(b.memory) });
    });
    contexts.set(desc.id, Object.assign({}, desc, { blocks }));
  }

  function release(id) {
    contexts.delete(id);
  }

  function context(id) {
    const c = contexts.get(id);
    if (!c) throw new Error('kernel context ' + id + ' is unknown on this thread');
    return c;
  }

  // The reference dot product (kernels/index.ts): float64 products of float32 values, four accumulators
  // by lane d mod 4, the tail into the first, summed ((s0 + s1) + s2) + s3.
  function dot(a, aOff, b, bOff, dim) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, d = 0;
    for (; d + 3 < dim; d += 4) {
      s0 += a[aOff + d] * b[bOff + d];
      s1 += a[aOff + d + 1] * b[bOff + d + 1];
      s2 += a[aOff + d + 2] * b[bOff + d + 2];
      s3 += a[aOff + d + 3] * b[bOff + d + 3];
    }
    for (; d < dim; d++) s0 += a[aOff + d] * b[bOff + d];
    return s0 + s1 + s2 + s3;
  }

  function scratchOf(block, ctx, thread) {
    return block.scratch + thread * ctx.scratchPerThread;
  }

  // Work is claimed unit by unit from a shared counter (op.progress = [claimed, completed, failed]), so a
  // thread that the OS leaves waiting delays nobody: the others, the caller included, take its share.
  // Unit u covers items [op.from + u·op.step, … + op.step). A failing unit is still counted completed
  // (and flagged), so the caller never waits for ever; the first error is rethrown at the end.
  function claimAll(op, work) {
    const p = op.progress;
    let failure = null;
    for (;;) {
      const u = Atomics.add(p, 0, 1);
      if (u >= op.units) break;
      const a = op.from + u * op.step;
      try {
        work(u, a, Math.min(op.to, a + op.step));
      } catch (error) {
        Atomics.store(p, 2, 1);
        if (failure === null) failure = error;
      } finally {
        Atomics.add(p, 1, 1);
        Atomics.notify(p, 1);
      }
    }
    if (failure !== null) throw failure;
  }

  // k-center over a unit of active entries: the squared distances to the centre (already written into
  // every block's centre area), merged into minDistSq with the arg-max exactly as the scalar reference
  // does. Unit u writes its changed rows from changed[a] on and [max, argMax, changedCount] at
  // result[3u]; the caller concatenates the units in order.
  function kcenter(op, thread) {
    const ctx = context(op.ctx);
    const { active, minDistSq, changed, result } = op;
    const single = ctx.blocks.length === 1;
    const dist = single ? null : new Float64Array(op.step);
    claimAll(op, (unit, a, end) => {
      const n = end - a;
      let max = 0, argMax = -1, changedCount = 0;
      let values, valuesBase;
      if (single) {
        const b = ctx.blocks[0];
        const s = scratchOf(b, ctx, thread);
        b.v.i32.set(active.subarray(a, a + n), s >>> 2);
        call(ctx, b, s, n, op.centerNorm);
        values = b.v.f64;
        valuesBase = (s + ctx.chunk * 4) >>> 3;
      } else {
        for (let bi = 0; bi < ctx.blocks.length; bi++) {
          const b = ctx.blocks[bi];
          const s = scratchOf(b, ctx, thread);
          const rows = b.v.i32;
          const positions = [];
          for (let i = 0; i < n; i++) {
            const u = active[a + i];
            if (u >= b.rowStart && u < b.rowStart + b.rows) {
              rows[(s >>> 2) + positions.length] = u - b.rowStart;
              positions.push(i);
            }
          }
          if (positions.length === 0) continue;
          call(ctx, b, s, positions.length, op.centerNorm);
          const out = b.v.f64, outBase = (s + ctx.chunk * 4) >>> 3;
          for (let p = 0; p < positions.length; p++) dist[positions[p]] = out[outBase + p];
        }
        values = dist;
        valuesBase = 0;
      }
      for (let i = 0; i < n; i++) {
        const u = active[a + i];
        const d = values[valuesBase + i];
        if (d < minDistSq[u]) {
          minDistSq[u] = d;
          changed[a + changedCount++] = u;
        }
        const m = minDistSq[u];
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

  // The fused k-center update: minimum distances, active and changed rows all in the block's memory, so
  // each unit is one WebAssembly call; [max, argMax, changedCount, skipped] of unit u go to result[4u].
  // op.bounded: rows whose projection shows they cannot get closer are skipped (same results).
  function kcenterFused(op, thread) {
    const ctx = context(op.ctx);
    const b = ctx.blocks[0];
    const s = scratchOf(b, ctx, thread);
    const proj = op.bounded ? b.proj : 0;
    claimAll(op, (unit, a, end) => {
      b.exports.kcenterUpdate(b.data, b.norms32, ctx.dim, b.center, op.centerNorm, b.active, a, end - a, b.minDist, b.changed, s, proj, b.projCenter);
      op.result[unit * 4] = b.v.f64[s >>> 3];
      op.result[unit * 4 + 1] = b.v.i32[(s >>> 2) + 2];
      op.result[unit * 4 + 2] = b.v.i32[(s >>> 2) + 3];
      op.result[unit * 4 + 3] = b.v.i32[(s >>> 2) + 4];
    });
  }

  function call(ctx, b, s, n, centerNorm) {
    const out = s + ctx.chunk * 4;
    if (ctx.kind === 'int8') b.exports.kcenterDistancesInt8(b.data, b.scales, b.norms64, ctx.dim, b.center, centerNorm, s, n, out);
    else b.exports.kcenterDistances(b.data, b.norms32, ctx.dim, b.center, centerNorm, s, n, out);
  }

  function rowView(ctx, row) {
    const bi = Math.floor(row / ctx.rowsPerBlock);
    const b = ctx.blocks[bi];
    return { b, f32: b.v.f32, offset: (b.data >>> 2) + (row - b.rowStart) * ctx.dim, norm: b.v.f64[(b.norms64 >>> 3) + row - b.rowStart] };
  }

  // Nearest neighbours of query rows [from, to) of context op.q among the rows of context op.c, by tiles
  // of op.step rows: float32 SIMD keeps op.m candidates per row, then they are re-ranked in float64 with
  // the reference's formula, so the values are the reference's whenever the neighbours are.
  //   mode 'knn':     out[(i − op.outBase)·k + c] = distance to the c-th nearest other row (NaN past kk)
  //   mode 'nearest': out[i − op.outBase] = distance to the nearest candidate
  //   mode 'ids':     ids[(i − op.outBase)·k + c] = the c-th nearest candidate, dists likewise
  function neighbours(op, thread) {
    const qc = context(op.q), cc = context(op.c);
    const dim = qc.dim, m = op.m, self = op.q === op.c;
    const tile = op.step;
    const exact = { keys: new Float64Array(m), ids: new Int32Array(m) };
    // A row's one list and its ceiling, for rerank (reused: a million rows must not mean a million arrays).
    const at = [0], ceilAt = [0];
    claimAll(op, (_unit, qs, qe) => {
      const tq = qe - qs;
      let prev = null;
      for (let bi = 0; bi < cc.blocks.length; bi++) {
        const b = cc.blocks[bi];
        // The candidates: this block's rows within [op.cFrom, op.cTo).
        const lo = Math.max(op.cFrom, b.rowStart), hi = Math.min(op.cTo, b.rowStart + b.rows);
        if (hi <= lo) continue;
        const s = scratchOf(b, cc, thread);
        // Per row m keys then their m ids (lists), and the ceilings, as knnTile reads them.
        const listsPtr = s, ceilPtr = listsPtr + tile * m * 8, qPtr = ceilPtr + tile * 4, dotsPtr = (qPtr + tile * dim * 4 + 7) & ~7;
        let queries = qPtr;
        const first = rowView(qc, qs);
        if (self && cc.blocks.length === 1) {
          // The tile's rows already lie side by side in this memory.
          queries = first.offset * 4;
        } else if (first.b === rowView(qc, qe - 1).b) {
          // The tile's rows in one block of their matrix (the usual case): one copy.
          b.v.f32.set(first.f32.subarray(first.offset, first.offset + tq * dim), qPtr >>> 2);
        } else {
          for (let i = 0; i < tq; i++) {
            const r = rowView(qc, qs + i);
            b.v.f32.set(r.f32.subarray(r.offset, r.offset + dim), (qPtr >>> 2) + i * dim);
          }
        }
        if (prev === null) {
          emptyLists(b.v, listsPtr, ceilPtr, tq, m);
        } else {
          b.v.i32.set(prev.b.v.i32.subarray(prev.listsPtr >>> 2, (prev.listsPtr >>> 2) + tq * m * 2), listsPtr >>> 2);
          b.v.f32.set(prev.b.v.f32.subarray(prev.ceilPtr >>> 2, (prev.ceilPtr >>> 2) + tq), ceilPtr >>> 2);
        }
        const selfBase = self ? qs : -0x40000000;
        const skip = lo - b.rowStart;
        b.exports.knnTile(queries, tq, 0, 0, dim, b.data + skip * dim * 4, b.norms32 + skip * 4, hi - lo, lo, selfBase, m, listsPtr, ceilPtr);
        prev = { b, listsPtr, ceilPtr, queries, dotsPtr };
      }
      if (prev === null) {
        for (let i = 0; i < tq; i++) rerank(op, qc, cc, qs + i, null, [], [], exact, null);
        return;
      }
      const single = cc.blocks.length === 1;
      const inBlock = single ? { b: prev.b, q: 0, out: prev.dotsPtr } : null;
      for (let i = 0; i < tq; i++) {
        if (single) inBlock.q = prev.queries + i * dim * 4;
        at[0] = (prev.listsPtr >>> 2) + (2 * i + 1) * m;
        ceilAt[0] = (prev.ceilPtr >>> 2) + i;
        rerank(op, qc, cc, qs + i, prev.b.v, at, ceilAt, exact, inBlock);
      }
    });
  }

  // Re-ranks one row's survivors exactly, by insertion (they are few) — m ids (−1 past the last) at each
  // of the int32 offsets \`at\` into view \`v\`, the lists' ceilings at the float32 offsets \`ceilAt\` —
  // and writes the row's output. With \`inBlock\` (the candidates' one block, which \`v\` views, the query
  // row's pointer and room for m float64 there) the dot products come from WebAssembly (exactDots: the
  // same values), else from \`dot\`.
  //
  // Exactness: the float32 filter's key of a candidate is within E = 1.01·(dim + 2)·2⁻²⁴·(C² + 2·|q|·C) of
  // its true |c|² − 2·q·c (C: the largest candidate norm, op.maxNorm; products and sums of dim + 2 terms in
  // float32). A candidate left out of a full list had a filter key ≥ that list's ceiling, so a true key ≥
  // ceiling − E. When the wanted-th exact key is below every full list's ceiling − E, nothing left out
  // can come before it and the result is the reference's. Otherwise a left-out candidate can only tie
  // with it to within 2E; where 2E matters at the scale of the data (rows far from the origin against
  // their spread) the row is computed over every candidate (exactRow, O(rows · dim) in JavaScript).
  function rerank(op, qc, cc, row, v, at, ceilAt, exact, inBlock) {
    const m = op.m, dim = qc.dim;
    const q = rowView(qc, row);
    const ids = v === null ? null : v.i32;
    let count = 0;
    for (const base of at) {
      let n = 0;
      while (n < m && ids[base + n] >= 0) n++;
      if (inBlock) inBlock.b.exports.exactDots(inBlock.q, inBlock.b.data, dim, base * 4, n, inBlock.out);
      for (let c = 0; c < n; c++) {
        const id = ids[base + c];
        if (inBlock) count = insertExact(op, exact, count, count + 1, q.norm, inBlock.b.v.f64[(inBlock.b.norms64 >>> 3) + id], inBlock.b.v.f64[(inBlock.out >>> 3) + c], id);
        else count = insertCandidate(op, cc, q, exact, count, count + 1, id);
      }
    }
    const wanted = op.mode === 'nearest' ? 1 : op.kk;
    let ceiling = Infinity;
    for (const c of ceilAt) ceiling = Math.min(ceiling, v.f32[c]);
    if (ceiling !== Infinity && count >= wanted) {
      const qn = Math.sqrt(q.norm);
      const e = 1.01 * (dim + 2) * 2 ** -24 * (op.maxNorm * op.maxNorm + 2 * qn * op.maxNorm);
      // Keys as the filter's: without |q|², which nearest's exact keys include.
      const shift = op.mode === 'nearest' ? q.norm : 0;
      const kth = exact.keys[wanted - 1] - shift;
      // Failing the check, a candidate left out is at most 2E below the wanted-th key: a tie within the
      // filter's rounding, accepted where 2E is under 2⁻¹⁰ of the survivors' largest squared distance or of
      // a sixteenth of the candidates' spread (near-duplicates of a static scene are not worth an exact
      // pass each), and where that key is a distance of 0 (nothing comes before it).
      const scale = Math.max(q.norm + exact.keys[count - 1] - shift, op.spread / 16);
      if (!(kth < ceiling - e) && q.norm + kth > 0 && 2 * e > scale * 2 ** -10) {
        count = exactRow(op, qc, cc, q, row, exact, wanted);
        Atomics.add(op.fallbacks, 0, 1);
      }
    }
    const exactKeys = exact.keys, exactIds = exact.ids;
    const o = row - op.outBase;
    if (op.mode === 'nearest') {
      op.out[o] = Math.sqrt(Math.max(0, count > 0 ? exactKeys[0] : Infinity));
      return;
    }
    for (let c = 0; c < op.k; c++) {
      if (op.mode === 'ids') {
        op.ids[o * op.k + c] = c < count ? exactIds[c] : -1;
        op.out[o * op.k + c] = c < count ? Math.sqrt(Math.max(0, q.norm + exactKeys[c])) : NaN;
      } else {
        op.out[o * op.k + c] = c < op.kk && c < count ? Math.sqrt(Math.max(0, q.norm + exactKeys[c])) : NaN;
      }
    }
  }

  // The row's \`wanted\` nearest among every candidate of [op.cFrom, op.cTo), exactly (the filter could not
  // vouch for its survivors); returns how many there are.
  function exactRow(op, qc, cc, q, row, exact, wanted) {
    let count = 0;
    for (let id = op.cFrom; id < op.cTo; id++) {
      if (op.mode === 'knn' && id === row) continue;
      count = insertCandidate(op, cc, q, exact, count, wanted, id);
    }
    return count;
  }

  function insertCandidate(op, cc, q, exact, count, capacity, id) {
    const cand = rowView(cc, id);
    return insertExact(op, exact, count, capacity, q.norm, cand.norm, dot(q.f32, q.offset, cand.f32, cand.offset, cc.dim), id);
  }

  // Inserts a candidate by its exact key — the reference's association: knn adds |i|² last, nearest adds
  // |q|² first — into the ascending keys (ties: lower id first), keeping at most \`capacity\`; returns the count.
  function insertExact(op, exact, count, capacity, qNorm, norm, dv, id) {
    const key = op.mode === 'nearest' ? qNorm + norm - 2 * dv : norm - 2 * dv;
    const keys = exact.keys, ids = exact.ids;
    if (count === capacity && !(key < keys[count - 1] || (key === keys[count - 1] && id < ids[count - 1]))) return count;
    let p = count === capacity ? count - 1 : count++;
    while (p > 0 && (keys[p - 1] > key || (keys[p - 1] === key && ids[p - 1] > id))) {
      keys[p] = keys[p - 1];
      ids[p] = ids[p - 1];
      p--;
    }
    keys[p] = key;
    ids[p] = id;
    return count;
  }

  // kNN of rows [op.from, op.to) among candidates [op.cFrom, op.cTo) ⊇ them, in a one-block context, each
  // pair of the query rows computed once: a unit is a tile of rows, against itself, then every query row
  // after it with each dot product offered to both rows, then the candidates outside the query rows (one
  // direction). A query row's offers thus come from units any thread ran, so every thread keeps candidate
  // lists for every query row, in its own area of the block (op.area + thread · op.areaBytes: lists, then
  // ceilings; emptied by the caller), indexed by row (the pointers handed to knnTile are offset by op.from,
  // modulo 2³² as WebAssembly addresses are). knnMerge then re-ranks, per row, the union of all threads'
  // survivors: each pair was offered in exactly one thread, so a true neighbour is among the survivors of
  // the thread that saw it.
  function knnPairs(op, thread) {
    const cc = context(op.c);
    const b = cc.blocks[0], dim = cc.dim, m = op.m, rows = op.to - op.from;
    const area = op.area + thread * op.areaBytes;
    const lists = (area - op.from * m * 8) | 0, ceil = (area + rows * m * 8 - op.from * 4) | 0;
    const tile = (queries, tq, qs, qNorms, from, to, self) => {
      if (to > from) b.exports.knnTile(queries, tq, qs, qNorms, dim, b.data + from * dim * 4, b.norms32 + from * 4, to - from, from, self, m, lists, ceil);
    };
    claimAll(op, (_unit, qs, qe) => {
      const tq = qe - qs, queries = b.data + qs * dim * 4, qNorms = b.norms32 + qs * 4, none = -0x40000000;
      tile(queries, tq, qs, 0, qs, qe, qs);
      tile(queries, tq, qs, qNorms, qe, op.to, none);
      tile(queries, tq, qs, 0, op.cFrom, op.from, none);
      tile(queries, tq, qs, 0, op.to, op.cTo, none);
    });
  }

  function knnMerge(op, thread) {
    const cc = context(op.c);
    const b = cc.blocks[0], m = op.m, dim = cc.dim;
    const v = fresh(b), rows = op.to - op.from;
    const exact = { keys: new Float64Array(m * op.areas), ids: new Int32Array(m * op.areas) };
    const at = new Array(op.areas), ceilAt = new Array(op.areas);
    const inBlock = { b, q: 0, out: scratchOf(b, cc, thread) };
    claimAll(op, (_unit, rs, re) => {
      for (let row = rs; row < re; row++) {
        const pos = row - op.from;
        for (let t = 0; t < op.areas; t++) {
          at[t] = ((op.area + t * op.areaBytes) >>> 2) + (2 * pos + 1) * m;
          ceilAt[t] = ((op.area + t * op.areaBytes + rows * m * 8) >>> 2) + pos;
        }
        inBlock.q = b.data + row * dim * 4;
        rerank(op, cc, cc, row, v, at, ceilAt, exact, inBlock);
      }
    });
  }

  // Empty candidate lists for \`rows\` rows at \`lists\` (m keys +Inf, then m ids −1, per row) and their ceilings.
  function emptyLists(v, lists, ceil, rows, m) {
    for (let r = 0, at = lists >>> 2; r < rows; r++, at += 2 * m) {
      v.f32.fill(Infinity, at, at + m);
      v.i32.fill(-1, at + m, at + 2 * m);
    }
    v.f32.fill(Infinity, ceil >>> 2, (ceil >>> 2) + rows);
  }

  // A block's views, remade when its memory has grown (symmetric kNN grows it; views keep their length).
  function fresh(b) {
    if (b.v.i32.buffer.byteLength !== b.memory.buffer.byteLength) b.v = views(b.memory);
    return b.v;
  }

  // Read bandwidth: units of rows of the first block, summed.
  function read(op) {
    const ctx = context(op.ctx);
    const b = ctx.blocks[0];
    claimAll(op, (unit, a, end) => {
      op.result[unit] = Number(BigInt(b.exports.readBytes(b.data + a * ctx.dim * 4, (end - a) * ctx.dim * 4)) & 0xffffn);
    });
  }

  function run(op, thread) {
    if (op.type === 'kcenter') kcenter(op, thread);
    else if (op.type === 'kcenterFused') kcenterFused(op, thread);
    else if (op.type === 'neighbours') neighbours(op, thread);
    else if (op.type === 'knnPairs') knnPairs(op, thread);
    else if (op.type === 'knnMerge') knnMerge(op, thread);
    else if (op.type === 'read') read(op);
    else throw new Error('unknown kernel op ' + op.type);
  }

  // For the caller preparing symmetric kNN's areas: the same layout knnTile and emptyLists use.
  const emptyArea = (memory, lists, ceil, rows, m) => emptyLists(views(memory), lists, ceil, rows, m);

  return { addContext, release, run, emptyArea };
})`;
