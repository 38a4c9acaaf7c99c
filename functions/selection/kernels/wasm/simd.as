// WebAssembly SIMD kernels, in AssemblyScript (compiled by build.ts into a TS module embedding the bytes).
// Every pointer is a byte offset into the one imported (shared) memory; the JavaScript side lays it out.
// The file is not `.ts` so that TypeScript and ESLint leave AssemblyScript's types (f32, v128) alone.

// ---------------------------------------------------------------------------------------------------
// k-center: squared distances, bit-identical to the scalar reference.
//
// The reference computes in JavaScript numbers: float32 inputs, float64 products (exact: 24 + 24 bits
// fit in 53) and four float64 accumulators, one per lane d mod 4, the tail (dim mod 4) added to the
// first, summed as ((s0 + s1) + s2) + s3. Here the accumulators are two f64x2 — (s0, s1) and (s2, s3) —
// fed by promoting each f32x4 of a row, so every addition happens in the reference's order and the
// result is the same double. Four rows run side by side: each accumulator is a serial chain of dim/4
// additions, and independent rows hide its latency.
// ---------------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function hiHalf(x: v128): v128 {
  return v128.shuffle<f32>(x, x, 2, 3, 0, 1);
}

// @ts-ignore: decorator
@inline function distance(dotValue: f64, norm: f64, centerNorm: f64): f64 {
  const e = norm + centerNorm - 2 * dotValue;
  return e > 0 ? e : 0;
}

// @ts-ignore: decorator
@inline function tailDot(row: usize, center: usize, from: i32, dim: i32, s0: f64): f64 {
  for (let d = from; d < dim; d++) s0 += <f64>load<f32>(row + (<usize>d << 2)) * load<f64>(center + (<usize>d << 3));
  return s0;
}

/**
 * For i < count: out[i] = max(0, norms[r] + centerNorm − 2·row_r·center), r = rows[i]. `center` is the
 * centre as float64 (exact copies of its float32 values), `norms` float64 per row.
 */
export function kcenterDistances(data: usize, norms: usize, dim: i32, center: usize, centerNorm: f64, rows: usize, count: i32, out: usize): void {
  const stride = <usize>dim << 2;
  const vecEnd = dim & ~3;
  let i = 0;
  for (; i + 3 < count; i += 4) {
    const r0 = load<i32>(rows + (<usize>i << 2));
    const r1 = load<i32>(rows + (<usize>(i + 1) << 2));
    const r2 = load<i32>(rows + (<usize>(i + 2) << 2));
    const r3 = load<i32>(rows + (<usize>(i + 3) << 2));
    const p0 = data + <usize>r0 * stride;
    const p1 = data + <usize>r1 * stride;
    const p2 = data + <usize>r2 * stride;
    const p3 = data + <usize>r3 * stride;
    let a0 = f64x2.splat(0), b0 = f64x2.splat(0);
    let a1 = f64x2.splat(0), b1 = f64x2.splat(0);
    let a2 = f64x2.splat(0), b2 = f64x2.splat(0);
    let a3 = f64x2.splat(0), b3 = f64x2.splat(0);
    for (let d = 0; d < vecEnd; d += 4) {
      const off = <usize>d << 2;
      const cLo = v128.load(center + (<usize>d << 3));
      const cHi = v128.load(center + (<usize>d << 3), 16);
      const x0 = v128.load(p0 + off);
      const x1 = v128.load(p1 + off);
      const x2 = v128.load(p2 + off);
      const x3 = v128.load(p3 + off);
      a0 = f64x2.add(a0, f64x2.mul(f64x2.promote_low_f32x4(x0), cLo));
      b0 = f64x2.add(b0, f64x2.mul(f64x2.promote_low_f32x4(hiHalf(x0)), cHi));
      a1 = f64x2.add(a1, f64x2.mul(f64x2.promote_low_f32x4(x1), cLo));
      b1 = f64x2.add(b1, f64x2.mul(f64x2.promote_low_f32x4(hiHalf(x1)), cHi));
      a2 = f64x2.add(a2, f64x2.mul(f64x2.promote_low_f32x4(x2), cLo));
      b2 = f64x2.add(b2, f64x2.mul(f64x2.promote_low_f32x4(hiHalf(x2)), cHi));
      a3 = f64x2.add(a3, f64x2.mul(f64x2.promote_low_f32x4(x3), cLo));
      b3 = f64x2.add(b3, f64x2.mul(f64x2.promote_low_f32x4(hiHalf(x3)), cHi));
    }
    const t0 = tailDot(p0, center, vecEnd, dim, f64x2.extract_lane(a0, 0));
    const t1 = tailDot(p1, center, vecEnd, dim, f64x2.extract_lane(a1, 0));
    const t2 = tailDot(p2, center, vecEnd, dim, f64x2.extract_lane(a2, 0));
    const t3 = tailDot(p3, center, vecEnd, dim, f64x2.extract_lane(a3, 0));
    const d0 = t0 + f64x2.extract_lane(a0, 1) + f64x2.extract_lane(b0, 0) + f64x2.extract_lane(b0, 1);
    const d1 = t1 + f64x2.extract_lane(a1, 1) + f64x2.extract_lane(b1, 0) + f64x2.extract_lane(b1, 1);
    const d2 = t2 + f64x2.extract_lane(a2, 1) + f64x2.extract_lane(b2, 0) + f64x2.extract_lane(b2, 1);
    const d3 = t3 + f64x2.extract_lane(a3, 1) + f64x2.extract_lane(b3, 0) + f64x2.extract_lane(b3, 1);
    store<f64>(out + (<usize>i << 3), distance(d0, load<f64>(norms + (<usize>r0 << 3)), centerNorm));
    store<f64>(out + (<usize>(i + 1) << 3), distance(d1, load<f64>(norms + (<usize>r1 << 3)), centerNorm));
    store<f64>(out + (<usize>(i + 2) << 3), distance(d2, load<f64>(norms + (<usize>r2 << 3)), centerNorm));
    store<f64>(out + (<usize>(i + 3) << 3), distance(d3, load<f64>(norms + (<usize>r3 << 3)), centerNorm));
  }
  for (; i < count; i++) {
    const r = load<i32>(rows + (<usize>i << 2));
    const p = data + <usize>r * stride;
    let a = f64x2.splat(0), b = f64x2.splat(0);
    for (let d = 0; d < vecEnd; d += 4) {
      const x = v128.load(p + (<usize>d << 2));
      a = f64x2.add(a, f64x2.mul(f64x2.promote_low_f32x4(x), v128.load(center + (<usize>d << 3))));
      b = f64x2.add(b, f64x2.mul(f64x2.promote_low_f32x4(hiHalf(x)), v128.load(center + (<usize>d << 3), 16)));
    }
    const t = tailDot(p, center, vecEnd, dim, f64x2.extract_lane(a, 0));
    const dv = t + f64x2.extract_lane(a, 1) + f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
    store<f64>(out + (<usize>i << 3), distance(dv, load<f64>(norms + (<usize>r << 3)), centerNorm));
  }
}

/**
 * Reduced precision: the same distances from int8 rows with a float32 scale per row (value ≈ q·scale).
 * `norms` are the float64 squared norms of the dequantised rows, so a row is at distance 0 from itself.
 * Reads a quarter of the bytes of float32; the products are summed in float32 (not bit-identical to
 * anything — the point is the bandwidth).
 */
export function kcenterDistancesInt8(data: usize, scales: usize, norms: usize, dim: i32, center: usize, centerNorm: f64, rows: usize, count: i32, out: usize): void {
  const vecEnd = dim & ~15;
  for (let i = 0; i < count; i++) {
    const r = load<i32>(rows + (<usize>i << 2));
    const p = data + <usize>r * <usize>dim;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let d = 0; d < vecEnd; d += 16) {
      const q = v128.load(p + <usize>d);
      const lo = i16x8.extend_low_i8x16_s(q);
      const hi = i16x8.extend_high_i8x16_s(q);
      const c = center + (<usize>d << 2);
      a0 = f32x4.add(a0, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)), v128.load(c)));
      a1 = f32x4.add(a1, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), v128.load(c, 16)));
      a2 = f32x4.add(a2, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), v128.load(c, 32)));
      a3 = f32x4.add(a3, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), v128.load(c, 48)));
    }
    const s = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    let sum = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
    for (let d = vecEnd; d < dim; d++) sum += <f32>load<i8>(p + <usize>d) * load<f32>(center + (<usize>d << 2));
    const dotValue = <f64>sum * <f64>load<f32>(scales + (<usize>r << 2));
    store<f64>(out + (<usize>i << 3), distance(dotValue, load<f64>(norms + (<usize>r << 3)), centerNorm));
  }
}

// ---------------------------------------------------------------------------------------------------
// Nearest neighbours: a tile of query rows against a run of candidate rows, in float32 (f32x4), keeping
// per query the m smallest keys |c|² − 2·q·c in a sorted buffer by insertion (m is small: this beats any
// sort). The caller re-ranks the m survivors exactly, so float32 rounding only has to keep the true
// neighbours among the m, not order them.
// ---------------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// @ts-ignore: decorator
@inline function offer(i: i32, key: f32, id: i32, m: i32, keys: usize, ids: usize, ceil: usize): void {
  const cp = ceil + (<usize>i << 2);
  if (!(key < load<f32>(cp))) return;
  const base = <usize>i * <usize>m;
  let p = m - 1;
  while (p > 0) {
    const prev = load<f32>(keys + ((base + <usize>(p - 1)) << 2));
    if (!(prev > key)) break;
    store<f32>(keys + ((base + <usize>p) << 2), prev);
    store<i32>(ids + ((base + <usize>p) << 2), load<i32>(ids + ((base + <usize>(p - 1)) << 2)));
    p--;
  }
  store<f32>(keys + ((base + <usize>p) << 2), key);
  store<i32>(ids + ((base + <usize>p) << 2), id);
  store<f32>(cp, load<f32>(keys + ((base + <usize>(m - 1)) << 2)));
}

// @ts-ignore: decorator
@inline function dotTail(a: usize, b: usize, from: i32, dim: i32): f32 {
  let s: f32 = 0;
  for (let d = from; d < dim; d++) s += load<f32>(a + (<usize>d << 2)) * load<f32>(b + (<usize>d << 2));
  return s;
}

/**
 * Queries q[0..qCount) (rows of `dim` float32 at `queries`) against candidates c[0..cCount) at
 * `candidates` with squared norms `candNorms` (float32). Candidate j has id `idBase + j`; query i skips the
 * candidate whose id is `selfBase + i` (pass selfBase < −cCount − qCount… i.e. out of reach to skip none).
 * keys/ids: qCount × m, ascending; ceil: per query the m-th key so far (+Inf while not full).
 */
export function knnTile(queries: usize, qCount: i32, dim: i32, candidates: usize, candNorms: usize, cCount: i32, idBase: i32, selfBase: i32, m: i32, keys: usize, ids: usize, ceil: usize): void {
  const stride = <usize>dim << 2;
  const vecEnd = dim & ~3;
  let j = 0;
  for (; j + 1 < cCount; j += 2) {
    const c0 = candidates + <usize>j * stride;
    const c1 = c0 + stride;
    const n0 = load<f32>(candNorms + (<usize>j << 2));
    const n1 = load<f32>(candNorms + (<usize>(j + 1) << 2));
    const id0 = idBase + j;
    const id1 = id0 + 1;
    let i = 0;
    for (; i + 3 < qCount; i += 4) {
      const q0 = queries + <usize>i * stride;
      const q1 = q0 + stride;
      const q2 = q1 + stride;
      const q3 = q2 + stride;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      for (let d = 0; d < vecEnd; d += 4) {
        const off = <usize>d << 2;
        const x0 = v128.load(c0 + off);
        const x1 = v128.load(c1 + off);
        const y0 = v128.load(q0 + off);
        const y1 = v128.load(q1 + off);
        const y2 = v128.load(q2 + off);
        const y3 = v128.load(q3 + off);
        s00 = f32x4.add(s00, f32x4.mul(y0, x0));
        s01 = f32x4.add(s01, f32x4.mul(y0, x1));
        s10 = f32x4.add(s10, f32x4.mul(y1, x0));
        s11 = f32x4.add(s11, f32x4.mul(y1, x1));
        s20 = f32x4.add(s20, f32x4.mul(y2, x0));
        s21 = f32x4.add(s21, f32x4.mul(y2, x1));
        s30 = f32x4.add(s30, f32x4.mul(y3, x0));
        s31 = f32x4.add(s31, f32x4.mul(y3, x1));
      }
      const self0 = selfBase + i;
      if (id0 != self0) offer(i, n0 - 2 * (hsum(s00) + dotTail(q0, c0, vecEnd, dim)), id0, m, keys, ids, ceil);
      if (id1 != self0) offer(i, n1 - 2 * (hsum(s01) + dotTail(q0, c1, vecEnd, dim)), id1, m, keys, ids, ceil);
      if (id0 != self0 + 1) offer(i + 1, n0 - 2 * (hsum(s10) + dotTail(q1, c0, vecEnd, dim)), id0, m, keys, ids, ceil);
      if (id1 != self0 + 1) offer(i + 1, n1 - 2 * (hsum(s11) + dotTail(q1, c1, vecEnd, dim)), id1, m, keys, ids, ceil);
      if (id0 != self0 + 2) offer(i + 2, n0 - 2 * (hsum(s20) + dotTail(q2, c0, vecEnd, dim)), id0, m, keys, ids, ceil);
      if (id1 != self0 + 2) offer(i + 2, n1 - 2 * (hsum(s21) + dotTail(q2, c1, vecEnd, dim)), id1, m, keys, ids, ceil);
      if (id0 != self0 + 3) offer(i + 3, n0 - 2 * (hsum(s30) + dotTail(q3, c0, vecEnd, dim)), id0, m, keys, ids, ceil);
      if (id1 != self0 + 3) offer(i + 3, n1 - 2 * (hsum(s31) + dotTail(q3, c1, vecEnd, dim)), id1, m, keys, ids, ceil);
    }
    for (; i < qCount; i++) {
      const q0 = queries + <usize>i * stride;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      for (let d = 0; d < vecEnd; d += 4) {
        const off = <usize>d << 2;
        const y = v128.load(q0 + off);
        s0 = f32x4.add(s0, f32x4.mul(y, v128.load(c0 + off)));
        s1 = f32x4.add(s1, f32x4.mul(y, v128.load(c1 + off)));
      }
      if (id0 != selfBase + i) offer(i, n0 - 2 * (hsum(s0) + dotTail(q0, c0, vecEnd, dim)), id0, m, keys, ids, ceil);
      if (id1 != selfBase + i) offer(i, n1 - 2 * (hsum(s1) + dotTail(q0, c1, vecEnd, dim)), id1, m, keys, ids, ceil);
    }
  }
  for (; j < cCount; j++) {
    const c0 = candidates + <usize>j * stride;
    const n0 = load<f32>(candNorms + (<usize>j << 2));
    const id0 = idBase + j;
    for (let i = 0; i < qCount; i++) {
      if (id0 == selfBase + i) continue;
      const q0 = queries + <usize>i * stride;
      let s0 = f32x4.splat(0);
      for (let d = 0; d < vecEnd; d += 4) {
        const off = <usize>d << 2;
        s0 = f32x4.add(s0, f32x4.mul(v128.load(q0 + off), v128.load(c0 + off)));
      }
      offer(i, n0 - 2 * (hsum(s0) + dotTail(q0, c0, vecEnd, dim)), id0, m, keys, ids, ceil);
    }
  }
}

/** Sum of `bytes` bytes (a multiple of 64) as i64x2 lanes: the machine's read bandwidth, for the benchmark. */
export function readBytes(ptr: usize, bytes: usize): i64 {
  let a = i64x2.splat(0), b = i64x2.splat(0), c = i64x2.splat(0), d = i64x2.splat(0);
  const end = ptr + bytes;
  for (let p = ptr; p < end; p += 64) {
    a = i64x2.add(a, v128.load(p));
    b = i64x2.add(b, v128.load(p, 16));
    c = i64x2.add(c, v128.load(p, 32));
    d = i64x2.add(d, v128.load(p, 48));
  }
  const s = i64x2.add(i64x2.add(a, b), i64x2.add(c, d));
  return i64x2.extract_lane(s, 0) + i64x2.extract_lane(s, 1);
}
