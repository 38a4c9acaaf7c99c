/**
 * Numeric kernels over L2-normalised float32 embeddings. Strategies call only these, so a faster
 * implementation (WebAssembly SIMD, worker threads) can replace {@link scalarKernels} without touching
 * them. Distances are Euclidean, from dot products: d² = |a|² + |b|² − 2·a·b, clamped at 0. On unit
 * vectors that is 2 − 2·a·b; the squared norms are kept rather than assumed 1 because a float32 vector
 * normalised to unit length is unit only to ~1e-7, which would put an exact duplicate at distance ~3e-4
 * instead of 0. Computed with the same summation as the dot products, a row's norm makes its distance
 * to an exact copy of itself exactly 0.
 */
export interface Kernels {
  /**
   * k-center update fused with the arg-max: for each unit in `active`, lowers `minDistSq[u]` to its
   * squared distance to `center` (a vector of `dim`), and returns the largest `minDistSq` among them
   * (0 when `active` is empty) and the unit holding it (the lowest such unit on ties; −1 when `active` is
   * empty) — alone, DIVERSITY's next pick. `changed` receives the units whose value went down, and their
   * count is returned too. `prefiltered`: the caller already left out the units its own bound rules out
   * (DIVERSITY's clusters), so the kernels need not keep one of theirs (same results either way).
   */
  kCenterUpdate(
    data: MatrixRows,
    dim: number,
    center: Float32Array,
    active: Int32Array,
    activeCount: number,
    minDistSq: Float64Array,
    changed: Int32Array,
    prefiltered?: boolean,
  ): { max: number; argMax: number; changedCount: number };

  /**
   * For each of rows [start, end) of `data`, the distances to its `k` nearest other rows (itself
   * excluded), ascending: `(end − start) × k` values. With `candidates`, the neighbours come from rows
   * [candidates.start, candidates.end) only (which should hold rows [start, end)); entries past the
   * number of other candidates are NaN.
   */
  knnDistances(data: Float32Array, dim: number, rows: number, start: number, end: number, k: number, candidates?: RowRange): Float32Array;

  /** For each of rows [start, end) of `data`, the distance to the nearest of the `queries` rows. */
  nearestDistances(data: Float32Array, dim: number, start: number, end: number, queries: Float32Array, queryRows: number): Float32Array;

  /**
   * For each of rows [start, end) of `data`, its `m` nearest rows of `candidates` (nearest first, ties
   * to the lower row; −1 past the last), and their distances √(|x|² + (|c|² − 2·x·c)) (NaN past the last).
   */
  nearestRows(data: Float32Array, dim: number, start: number, end: number, candidates: Float32Array, candidateRows: number, m: number): NearestRows;

  /**
   * A zeroed Float64Array for per-row state that kCenterUpdate lowers (`minDistSq`), placed where the
   * kernels' threads can share it. Without it (or when a plain array is passed) the update runs on one
   * thread. Given the matrix the array will be used with, the kernels may place it beside their copy of
   * the matrix, so that the whole update runs without a pass of JavaScript over the rows.
   */
  sharedFloat64?(length: number, matrix?: { readonly data: MatrixRows; readonly dim: number }): Float64Array;

  /**
   * A zeroed matrix of `rows` × `dim` to write rows into, placed where the kernels read it: the fast
   * kernels hand out a view of WebAssembly memory, so that no copy of the matrix is made on first use.
   * Write the rows before handing the matrix to a kernel; rows written after that need
   * {@link matrixWritten}.
   */
  allocateMatrix(rows: number, dim: number): Float32Array;

  /**
   * As {@link allocateMatrix}, but a matrix larger than one of the kernels' blocks of memory is not a
   * plain array (copied into blocks on first use, so held twice): it is {@link RowBlocks}, one view per
   * block, which the kernels read in place. Only `kCenterUpdate` and `sharedFloat64` take row blocks.
   */
  allocateRows?(rows: number, dim: number): MatrixRows;

  /** The rows of `data` were written after a kernel saw it: what the kernels derived from them (norms, copies) is recomputed on next use. */
  matrixWritten(data: MatrixRows): void;
}

/**
 * A matrix whose rows lie in several arrays (one JavaScript typed array cannot span several
 * WebAssembly memories): row r is row r mod rowsPerBlock of `views[⌊r / rowsPerBlock⌋]`. Every view but
 * the last holds exactly `rowsPerBlock` rows. The object itself is the matrix's identity for the kernels.
 */
export interface RowBlocks {
  readonly views: readonly Float32Array[];
  readonly rowsPerBlock: number;
}

/** A matrix as the kernels take it: one array, or rows in blocks. */
export type MatrixRows = Float32Array | RowBlocks;

/** The number of rows of `data`, `dim` columns each. */
export function rowCountOf(data: MatrixRows, dim: number): number {
  if (dim === 0) return 0;
  if (data instanceof Float32Array) return data.length / dim;
  let floats = 0;
  for (const view of data.views) floats += view.length;
  return floats / dim;
}

/** Row `r` of `data` (`dim` columns): a view, never a copy. */
export function rowOf(data: MatrixRows, dim: number, r: number): Float32Array {
  if (data instanceof Float32Array) return data.subarray(r * dim, (r + 1) * dim);
  const block = Math.floor(r / data.rowsPerBlock);
  const local = r - block * data.rowsPerBlock;
  return data.views[block]!.subarray(local * dim, (local + 1) * dim);
}

export interface RowRange {
  readonly start: number;
  readonly end: number;
}

export interface NearestRows {
  /** `(end − start) × m` candidate rows. */
  readonly ids: Int32Array;
  /** `(end − start) × m` distances. */
  readonly distances: Float32Array;
}

/** The reference dot product (float64 sums of float32 products, four lanes by d mod 4). */
export function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  // Four accumulators let the JIT overlap the multiply-adds.
  for (; d + 3 < dim; d += 4) {
    s0 += a[aOffset + d]! * b[bOffset + d]!;
    s1 += a[aOffset + d + 1]! * b[bOffset + d + 1]!;
    s2 += a[aOffset + d + 2]! * b[bOffset + d + 2]!;
    s3 += a[aOffset + d + 3]! * b[bOffset + d + 3]!;
  }
  for (; d < dim; d++) s0 += a[aOffset + d]! * b[bOffset + d]!;
  return s0 + s1 + s2 + s3;
}

/**
 * The k-center dot product, in float32 arithmetic and a fixed order, so that a SIMD kernel can reproduce
 * it bit for bit at float32 speed (wasm/simd.as): products rounded to float32; sixteen float32
 * accumulators, column d into d mod 16; the columns past the last multiple of 16, in fours, into
 * accumulators 0–3; combined v_l = (acc_l + acc_4+l) + (acc_8+l + acc_12+l), then (v0 + v1) + (v2 + v3);
 * the last dim mod 4 columns added in order. `Math.fround` of a double sum or product of two float32
 * values is the correctly rounded float32 result (double has more than twice float32's precision), so
 * this is exactly what float32 hardware computes.
 */
export function dot32(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  const f = Math.fround;
  // Sixteen named accumulators, not an array: this loop is the whole cost of the scalar DIVERSITY, and
  // locals keep it ~6× faster than an array (measured at N = 100k: 25 against 147 ms per pick).
  let l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0, l8 = 0, l9 = 0, l10 = 0, l11 = 0, l12 = 0, l13 = 0, l14 = 0, l15 = 0;
  const end16 = dim & ~15;
  const end4 = dim & ~3;
  let d = 0;
  for (; d < end16; d += 16) {
    const o = aOffset + d;
    const p = bOffset + d;
    l0 = f(l0 + f(a[o + 0]! * b[p + 0]!));
    l1 = f(l1 + f(a[o + 1]! * b[p + 1]!));
    l2 = f(l2 + f(a[o + 2]! * b[p + 2]!));
    l3 = f(l3 + f(a[o + 3]! * b[p + 3]!));
    l4 = f(l4 + f(a[o + 4]! * b[p + 4]!));
    l5 = f(l5 + f(a[o + 5]! * b[p + 5]!));
    l6 = f(l6 + f(a[o + 6]! * b[p + 6]!));
    l7 = f(l7 + f(a[o + 7]! * b[p + 7]!));
    l8 = f(l8 + f(a[o + 8]! * b[p + 8]!));
    l9 = f(l9 + f(a[o + 9]! * b[p + 9]!));
    l10 = f(l10 + f(a[o + 10]! * b[p + 10]!));
    l11 = f(l11 + f(a[o + 11]! * b[p + 11]!));
    l12 = f(l12 + f(a[o + 12]! * b[p + 12]!));
    l13 = f(l13 + f(a[o + 13]! * b[p + 13]!));
    l14 = f(l14 + f(a[o + 14]! * b[p + 14]!));
    l15 = f(l15 + f(a[o + 15]! * b[p + 15]!));
  }
  // The rest, four at a time, repeats the loop's first four lines on purpose: the same accumulators in
  // the same order, so the sums stay those of the SIMD kernels.
  for (; d < end4; d += 4) {
    const o = aOffset + d;
    const p = bOffset + d;
    l0 = f(l0 + f(a[o + 0]! * b[p + 0]!));
    l1 = f(l1 + f(a[o + 1]! * b[p + 1]!));
    l2 = f(l2 + f(a[o + 2]! * b[p + 2]!));
    l3 = f(l3 + f(a[o + 3]! * b[p + 3]!));
  }
  const v0 = f(f(l0 + l4) + f(l8 + l12));
  const v1 = f(f(l1 + l5) + f(l9 + l13));
  const v2 = f(f(l2 + l6) + f(l10 + l14));
  const v3 = f(f(l3 + l7) + f(l11 + l15));
  let s = f(f(v0 + v1) + f(v2 + v3));
  for (; d < dim; d++) s = f(s + f(a[aOffset + d]! * b[bOffset + d]!));
  return s;
}

type DotProduct = (a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number) => number;

/**
 * Squared norms of the rows of a matrix by `dotOf`, computed once per array (the engine never writes to
 * an embedding matrix after handing it to a kernel).
 */
function cachedRowNorms<T extends Float32Array | Float64Array>(cache: WeakMap<Float32Array, T>, make: (rows: number) => T, dotOf: DotProduct, data: Float32Array, dim: number): T {
  const cached = cache.get(data);
  if (cached && cached.length * dim === data.length) return cached;
  const norms = make(dim > 0 ? data.length / dim : 0);
  for (let r = 0; r < norms.length; r++) norms[r] = dotOf(data, r * dim, data, r * dim, dim);
  cache.set(data, norms);
  return norms;
}

const normCache = new WeakMap<Float32Array, Float64Array>();
/** Squared norms by {@link dot} (float64), for the neighbour searches. */
export const rowNormsSq = (data: Float32Array, dim: number): Float64Array => cachedRowNorms(normCache, (n) => new Float64Array(n), dot, data, dim);

const norm32Cache = new WeakMap<Float32Array, Float32Array>();
/** Squared norms by {@link dot32}, for k-center: a row is then at distance exactly 0 from its copy. */
const rowNormsSq32 = (data: Float32Array, dim: number): Float32Array => cachedRowNorms(norm32Cache, (n) => new Float32Array(n), dot32, data, dim);

/** Forgets the cached norms of `data` (its rows were rewritten). */
function forgetRowNorms(data: Float32Array): void {
  normCache.delete(data);
  norm32Cache.delete(data);
}

/** Rows compared per block in kNN: a block of rows stays in cache while it meets every other row. */
const KNN_BLOCK = 64;

/** The reference implementation in plain TypeScript. */
export const scalarKernels: Kernels = {
  kCenterUpdate(rows, dim, center, active, activeCount, minDistSq, changed) {
    // One array is one block: the same loop, the same arithmetic per row, for both.
    const views = rows instanceof Float32Array ? [rows] : rows.views;
    const perBlock = rows instanceof Float32Array ? Number.MAX_SAFE_INTEGER : rows.rowsPerBlock;
    const norms = views.map((view) => rowNormsSq32(view, dim));
    const centerNorm = dot32(center, 0, center, 0, dim);
    let max = 0;
    let argMax = -1;
    let changedCount = 0;
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      const block = Math.floor(u / perBlock);
      const local = u - block * perBlock;
      // (|x|² + |c|²) − 2·x·c in float64 from float32 values, as the SIMD kernel does.
      const e = norms[block]![local]! + centerNorm - 2 * dot32(views[block]!, local * dim, center, 0, dim);
      const d = e > 0 ? e : 0;
      if (d < minDistSq[u]!) {
        minDistSq[u] = d;
        changed[changedCount++] = u;
      }
      const m = minDistSq[u]!;
      if (m > max || (m === max && (u < argMax || argMax < 0))) {
        max = m;
        argMax = u;
      }
    }
    return { max, argMax, changedCount };
  },

  knnDistances(data, dim, rows, start, end, k, candidates) {
    const count = end - start;
    const candidateStart = candidates?.start ?? 0;
    const candidateEnd = candidates?.end ?? rows;
    const kk = Math.min(k, Math.max(0, candidateEnd - candidateStart - 1));
    const out = new Float32Array(count * k).fill(NaN);
    if (kk === 0) return out;
    const norms = rowNormsSq(data, dim);
    // Per row i, the k smallest |j|² − 2·i·j (d² without the constant |i|²), kept sorted by insertion
    // into a small buffer: k is small, so this beats any sort. `ceiling` is the k-th best so far.
    const best = new Float64Array(count * kk).fill(Infinity);
    const ceiling = new Float64Array(count).fill(Infinity);
    for (let blockStart = start; blockStart < end; blockStart += KNN_BLOCK) {
      const blockEnd = Math.min(end, blockStart + KNN_BLOCK);
      // A block of query rows stays in cache while every row j streams past it once.
      for (let j = candidateStart; j < candidateEnd; j++) {
        const jBase = j * dim;
        const jNorm = norms[j]!;
        for (let i = blockStart; i < blockEnd; i++) {
          if (i === j) continue;
          const key = jNorm - 2 * dot(data, i * dim, data, jBase, dim);
          const local = i - start;
          if (key >= ceiling[local]!) continue;
          const base = local * kk;
          let p = kk - 1;
          while (p > 0 && best[base + p - 1]! > key) {
            best[base + p] = best[base + p - 1]!;
            p--;
          }
          best[base + p] = key;
          ceiling[local] = best[base + kk - 1]!;
        }
      }
    }
    for (let i = 0; i < count; i++) {
      const iNorm = norms[start + i]!;
      for (let c = 0; c < kk; c++) {
        const key = best[i * kk + c]!;
        out[i * k + c] = key === Infinity ? NaN : Math.sqrt(Math.max(0, iNorm + key));
      }
    }
    return out;
  },

  nearestDistances(data, dim, start, end, queries, queryRows) {
    const out = new Float32Array(end - start);
    const norms = rowNormsSq(data, dim);
    const queryNorms = rowNormsSq(queries.length === queryRows * dim ? queries : queries.subarray(0, queryRows * dim), dim);
    for (let i = start; i < end; i++) {
      let best = Infinity;
      for (let q = 0; q < queryRows; q++) {
        const d = norms[i]! + queryNorms[q]! - 2 * dot(data, i * dim, queries, q * dim, dim);
        if (d < best) best = d;
      }
      out[i - start] = Math.sqrt(Math.max(0, best));
    }
    return out;
  },

  nearestRows(data, dim, start, end, candidates, candidateRows, m) {
    const count = end - start;
    const ids = new Int32Array(count * m).fill(-1);
    const distances = new Float32Array(count * m).fill(NaN);
    const norms = rowNormsSq(data, dim);
    const candidateNorms = rowNormsSq(candidates.length === candidateRows * dim ? candidates : candidates.subarray(0, candidateRows * dim), dim);
    const keys = new Float64Array(m);
    for (let i = start; i < end; i++) {
      const base = (i - start) * m;
      let filled = 0;
      for (let c = 0; c < candidateRows; c++) {
        const key = candidateNorms[c]! - 2 * dot(data, i * dim, candidates, c * dim, dim);
        if (filled === m && key >= keys[m - 1]!) continue;
        let p = filled < m ? filled++ : m - 1;
        while (p > 0 && keys[p - 1]! > key) {
          keys[p] = keys[p - 1]!;
          ids[base + p] = ids[base + p - 1]!;
          p--;
        }
        keys[p] = key;
        ids[base + p] = c;
      }
      for (let c = 0; c < filled; c++) distances[base + c] = Math.sqrt(Math.max(0, norms[i]! + keys[c]!));
    }
    return { ids, distances };
  },

  allocateMatrix: (rows, dim) => new Float32Array(rows * dim),
  matrixWritten: (data) => (data instanceof Float32Array ? [data] : data.views).forEach(forgetRowNorms),
};

/** Time spent inside kernels, for the benchmark's overhead figure. */
export function timedKernels(inner: Kernels): Kernels & { elapsedMs: number } {
  const timed: Kernels & { elapsedMs: number } = {
    elapsedMs: 0,
    kCenterUpdate: (...args) => timeCall(timed, () => inner.kCenterUpdate(...args)),
    knnDistances: (...args) => timeCall(timed, () => inner.knnDistances(...args)),
    nearestDistances: (...args) => timeCall(timed, () => inner.nearestDistances(...args)),
    nearestRows: (...args) => timeCall(timed, () => inner.nearestRows(...args)),
    allocateMatrix: (rows, dim) => inner.allocateMatrix(rows, dim),
    ...(inner.allocateRows ? { allocateRows: (rows: number, dim: number) => inner.allocateRows!(rows, dim) } : {}),
    matrixWritten: (data) => inner.matrixWritten(data),
  };
  return timed;
}

function timeCall<T>(timed: { elapsedMs: number }, call: () => T): T {
  const started = performance.now();
  try {
    return call();
  } finally {
    timed.elapsedMs += performance.now() - started;
  }
}
