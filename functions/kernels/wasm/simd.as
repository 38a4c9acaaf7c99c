// WebAssembly SIMD kernels, in AssemblyScript (compiled by build.ts into a TS module embedding the bytes).
// Every pointer is a byte offset into the one imported (shared) memory; the JavaScript side lays it out.
// The file is not `.ts` so that TypeScript and ESLint leave AssemblyScript's types (f32, v128) alone.

// ---------------------------------------------------------------------------------------------------
// k-center: squared distances, bit-identical to the scalar reference (kernels/index.ts, `dot32`).
//
// The reference is float32 arithmetic in a fixed order: products rounded to float32; sixteen float32
// accumulators, column d into accumulator d mod 16; the columns past the last multiple of 16 (in fours)
// into accumulators 0–3; accumulators combined v_l = (acc_l + acc_4+l) + (acc_8+l + acc_12+l), then
// (v0 + v1) + (v2 + v3); the last dim mod 4 columns added in order. Here the sixteen accumulators are
// four f32x4 registers and every operation is the reference's (no FMA, which rounds differently). The
// distance (|x|² + |c|²) − 2·x·c is then taken in float64 from those float32 values, as the reference
// does.
//
// One row at a time, front to back: measured on a 2-vCPU EPYC, streaming rows one after the other runs at
// 43 ns per 512-byte row, against 71–75 ns when two or four rows are interleaved (the hardware prefetcher
// follows one sequential stream best), and four independent accumulators hide the add latency. Float64
// lanes, used before, were twice the arithmetic and made the scan compute bound.
// ---------------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function distance(dotValue: f64, norm: f64, centerNorm: f64): f64 {
  const e = norm + centerNorm - 2 * dotValue;
  return e > 0 ? e : 0;
}

/** The reference's float32 dot product of `dim` floats at `row` and `center` (see above). */
// @ts-ignore: decorator
@inline function dot32(row: usize, center: usize, dim: i32): f32 {
  const end16 = <usize>(dim & ~15) << 2;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let off: usize = 0; off < end16; off += 64) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load(row + off), v128.load(center + off)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(row + off, 16), v128.load(center + off, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(row + off, 32), v128.load(center + off, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v128.load(row + off, 48), v128.load(center + off, 48)));
  }
  return dot32Finish(row, center, dim, a0, a1, a2, a3);
}

/** dot32 past its sixteen-column loop: the fours into accumulator 0, the combination, the last columns. */
// @ts-ignore: decorator
@inline function dot32Finish(row: usize, center: usize, dim: i32, a0: v128, a1: v128, a2: v128, a3: v128): f32 {
  const end4 = <usize>(dim & ~3) << 2;
  for (let off = <usize>(dim & ~15) << 2; off < end4; off += 16) a0 = f32x4.add(a0, f32x4.mul(v128.load(row + off), v128.load(center + off)));
  const v = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s: f32 = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  for (let d = dim & ~3; d < dim; d++) s += load<f32>(row + (<usize>d << 2)) * load<f32>(center + (<usize>d << 2));
  return s;
}

/**
 * For i < count: out[i] = max(0, (norms[r] + centerNorm) − 2·row_r·center) in float64, r = rows[i], the
 * dot product in float32 as above. `center` is float32, `norms` float32 per row (the same dot product of
 * the row with itself, so a row is at distance exactly 0 from its copy).
 */
export function kcenterDistances(data: usize, norms: usize, dim: i32, center: usize, centerNorm: f64, rows: usize, count: i32, out: usize): void {
  const stride = <usize>dim << 2;
  for (let i = 0; i < count; i++) {
    const r = load<i32>(rows + (<usize>i << 2));
    const d = dot32(data + <usize>r * stride, center, dim);
    store<f64>(out + (<usize>i << 3), distance(<f64>d, <f64>load<f32>(norms + (<usize>r << 2)), centerNorm));
  }
}

/** norms[r] = dot32(row r, row r) for r < rows: k-center's float32 squared norms, the reference's values. */
export function rowNorms32(data: usize, dim: i32, rows: i32, norms: usize): void {
  const stride = <usize>dim << 2;
  for (let r = 0; r < rows; r++) {
    const p = data + <usize>r * stride;
    store<f32>(norms + (<usize>r << 2), dot32(p, p, dim));
  }
}

// ---------------------------------------------------------------------------------------------------
// Pruning k-center with a projection: for an orthonormal basis P of 16 directions (the data's principal
// ones), |x − c|² ≥ |Px − Pc|². When that lower bound already exceeds a row's minimum distance (with a
// margin far above the rounding of either side), the row cannot get closer to the new centre: its 512
// bytes need not be read. The result is the same as scanning every row — only rows that would not
// change are skipped — and on clustered data, after the first picks, most rows are skipped.
// ---------------------------------------------------------------------------------------------------

/** out[r·16 + t] = row_r · basis_t for t < 16 (basis: 16 rows of dim float32). */
export function projectRows(data: usize, dim: i32, rows: i32, basis: usize, out: usize): void {
  const stride = <usize>dim << 2;
  for (let r = 0; r < rows; r++) {
    const p = data + <usize>r * stride;
    for (let t = 0; t < 16; t++) store<f32>(out + ((<usize>r * 16 + <usize>t) << 2), dot32(p, basis + <usize>t * stride, dim));
  }
}

/**
 * k-center update fused with the arg-max, for units active[from, from + count) whose minimum squared
 * distances live in this memory (`minDist`, float64 per row): lowers minDist[u] to the distance above,
 * writes the lowered rows to changed[from…] in order, and stores at `result` the largest minDist among the
 * units (f64), the row holding it (i32, lowest row on ties, −1 when count is 0), the number changed (i32)
 * and the number skipped (i32) — exactly the scalar reference's merge, without a pass of JavaScript over
 * every row.
 *
 * With `proj` (not 0: 16 floats per row, and the centre's at `projCenter`) a row is skipped when
 * |proj_r − projCenter|² > minDist[r]·(1 + 2⁻¹⁰) + 2⁻¹⁰·(|x|² + |c|²) — a margin some thousand times the
 * rounding of the bound and of the distance.
 */
export function kcenterUpdate(data: usize, norms: usize, dim: i32, center: usize, centerNorm: f64, active: usize, from: i32, count: i32, minDist: usize, changed: usize, result: usize, proj: usize, projCenter: usize): void {
  const stride = <usize>dim << 2;
  const bounded = proj != 0;
  const c0 = v128.load(projCenter), c1 = v128.load(projCenter, 16), c2 = v128.load(projCenter, 32), c3 = v128.load(projCenter, 48);
  let max: f64 = -1;
  let argMax: i32 = -1;
  let changedCount: i32 = 0;
  let skipped: i32 = 0;
  const end = from + count;
  for (let i = from; i < end; i++) {
    const r = load<i32>(active + (<usize>i << 2));
    const at = minDist + (<usize>r << 3);
    const old = load<f64>(at);
    const norm = <f64>load<f32>(norms + (<usize>r << 2));
    let m = old;
    if (bounded && projectedDistance(proj + (<usize>r << 6), c0, c1, c2, c3) > old * (1 + 0.0009765625) + 0.0009765625 * (norm + centerNorm)) {
      skipped++;
    } else {
      const d = distance(<f64>dot32(data + <usize>r * stride, center, dim), norm, centerNorm);
      const lower = d < old;
      m = lower ? d : old;
      store<f64>(at, m);
      // Written always, counted only when lower: no branch on data the predictor cannot learn.
      store<i32>(changed + (<usize>(from + changedCount) << 2), r);
      changedCount += <i32>lower;
    }
    if (m > max || (m == max && r < argMax)) {
      max = m;
      argMax = r;
    }
  }
  store<f64>(result, argMax < 0 ? 0 : max);
  store<i32>(result, argMax, 8);
  store<i32>(result, changedCount, 12);
  store<i32>(result, skipped, 16);
}

/** |y − c|² for the 16 floats at `y` and the centre's projection in four registers. */
// @ts-ignore: decorator
@inline function projectedDistance(y: usize, c0: v128, c1: v128, c2: v128, c3: v128): f64 {
  const e0 = f32x4.sub(v128.load(y), c0), e1 = f32x4.sub(v128.load(y, 16), c1);
  const e2 = f32x4.sub(v128.load(y, 32), c2), e3 = f32x4.sub(v128.load(y, 48), c3);
  const v = f32x4.add(f32x4.add(f32x4.mul(e0, e0), f32x4.mul(e1, e1)), f32x4.add(f32x4.mul(e2, e2), f32x4.mul(e3, e3)));
  return <f64>((f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)));
}

// ---------------------------------------------------------------------------------------------------
// int8 codes for the k-center scan, with float32 picks. Each row also has int8 codes q (x ≈ s·q, one
// float32 scale s per row), the exact norm of its rounding error, e = ‖x − s·q‖, and Σq (kept as four
// float32 terms a row, [|x|², s·Σq, e, s]: one 16-byte load); the centre is coded in int16 (c ≈ t·p, error ‖c − t·p‖ ≤ eC). Then
//   x·c = s·t·(q·p) + s·(q·(c − t·p)) + (x − s·q)·c,   |x·c − s·t·(q·p)| ≤ s·‖q‖·eC + e·‖c‖,
// and float32's dot32 differs from x·c by at most γ·Σ|x_d·c_d| ≤ γ·‖x‖·‖c‖, γ = (dim + 16)·2⁻²³, with
// ‖q‖ ≤ 127·√dim and ‖x‖ ≤ 128·s·√dim. So the float32 distance (|x|² + |c|²) − 2·dot32 is at least
//   lb = (|x|² + |c|²)·(1 − 2⁻⁴⁰) − 2·(s·(t·(q·p) + B) + e·A),  A ≥ ‖c‖,  B = 128·√dim·(eC + γ·A),
// the 2⁻⁴⁰ covering the float64 rounding of either side. A row whose lb exceeds its minimum distance
// cannot get closer to the new centre: its float32 row is not read. Every other row is computed in
// float32 exactly as `kcenterUpdate` does, so the minimum distances, changed rows, maxima and picks are
// float32's bit for bit; the scan reads dim + 28 bytes a row instead of 4·dim + 16.
// q·p is exact in int32: |q| ≤ 127 and |p| ≤ 2³¹ / (127·dim) (fast/kcenter.ts).
//
// With relaxed SIMD a coarser test runs first: the centre also in 7 bits, c ≈ t₁·p₁ with |p₁| ≤ 63,
// stored as p₁ + 64 (0…127, the unsigned operand of `i32x4.relaxed_dot_i8x16_i7x16_add_s`, whose result
// is then exact and the same on every processor: pmaddubsw cannot saturate, |2·127·127| < 2¹⁵), so
// q·p₁ = q·(p₁ + 64) − 64·Σq costs one instruction per 16 codes instead of the int16 test's five (two
// sign extensions, two `i32x4.dot_i16x8_s`, an addition). Its bound is the same with t₁, p₁, eC₁, and
// s·‖q‖ ≤ M, the largest over the matrix's rows (`quantiseRows` returns it):
//   lb₁ = (|x|² + |c|²)·(1 − 2⁻⁴⁰) − 2·(s·(t₁·(q·p₁) + Bγ) + e·A + M·eC₁),  Bγ = 128·√dim·γ·A.
// eC₁ is some 1,000 times eC, so lb₁ rules out fewer rows; those it does not go on to the int16 test.
// Only rows neither rules out are read in float32, after the unit's codes (see kcenterUpdateCoded).
// lb₁ is computed in float32 lanes, as the row's terms against weights [1, 128·t₁, −2·A, −2·Bγ] plus
// −2·t₁·s times the four lane sums of q·(p₁ + 64) (coarseBound): lb₁ = that + K, K = |c|²·(1 − 2⁻⁴⁰) −
// 2·M·eC₁ (the |x|²·2⁻⁴⁰ left out is far below the margin). A row is ruled out when it exceeds its
// minimum distance + 2⁻²⁰·S − K, where S bounds the magnitude of every term and partial sum (the
// largest |x|², s·‖q‖, e and s over the matrix's rows: fast/kcenter.ts, coarseTestK), so 2⁻²⁰·S covers the
// float32 roundings (eight layers at most, each under 2⁻²⁴·S) with room to spare. In float64 the same test
// took twice the instructions: four scalar loads and conversions, a dozen operations.
// ---------------------------------------------------------------------------------------------------

/** x ≥ 0 as a float32 not below it: the 2⁻²⁰ the callers add covers rounding to nearest, except among subnormals. */
// @ts-ignore: decorator
@inline function upF32(x: f64): f32 {
  const y = <f32>x;
  return <f64>y < x ? reinterpret<f32>(reinterpret<i32>(y) + 1) : y;
}

/**
 * Codes of rows [0, rows): q = round(x / s), s = max|x| / 127; the error ‖x − s·q‖ rounded up (∞ when s
 * is not finite) and Σq. Returns the largest s·‖q‖ over the rows, rounded up (∞ when some s is not finite).
 *
 * Sixteen columns at a time in SIMD: the same codes as one column at a time (float32 division, rounding to
 * nearest even by adding 1.5·2²³, which also gives the integer), the error's squares summed in float64
 * lanes (in another order than a column loop: far less than the 2⁻²⁰ it is rounded up by). Only
 * instructions that map to one x86 instruction each: `pmax`/`pmin` (NaN is caught apart) and no
 * `trunc_sat`, whose NaN and range handling made the loop five times slower.
 */
export function quantiseRows(data: usize, norms: usize, dim: i32, rows: i32, codes: usize, terms: usize): f64 {
  const stride = <usize>dim << 2;
  const end16 = dim & ~15;
  const magic = f32x4.splat(12582912);
  const magicBits = i32x4.splat(0x4b400000);
  const hi = i32x4.splat(127);
  const lo = i32x4.splat(-127);
  let largest: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const p = data + <usize>r * stride;
    const q = codes + <usize>r * <usize>dim;
    let m = f32x4.splat(0);
    let nan = v128.splat<i32>(0);
    for (let d = 0; d < end16; d += 4) {
      const v = v128.load(p + (<usize>d << 2));
      m = f32x4.pmax(m, f32x4.abs(v));
      nan = v128.or(nan, f32x4.ne(v, v));
    }
    let maxAbs: f32 = max<f32>(max<f32>(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max<f32>(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    if (v128.any_true(nan)) maxAbs = NaN;
    for (let d = end16; d < dim; d++) maxAbs = max<f32>(maxAbs, abs<f32>(load<f32>(p + (<usize>d << 2))));
    let scale: f32 = maxAbs / 127;
    const finite = isFinite<f32>(scale);
    if (!finite) scale = 0;
    let err: f64 = 0;
    let sum: i32 = 0;
    let normSq: i32 = 0;
    let d = 0;
    if (scale > 0) {
      const sv = f32x4.splat(scale);
      const sd = f64x2.splat(<f64>scale);
      let e0 = f64x2.splat(0), e1 = f64x2.splat(0);
      let sums4 = i32x4.splat(0), norms4 = i32x4.splat(0);
      for (; d < end16; d += 16) {
        const at = p + (<usize>d << 2);
        let words = i16x8.splat(0);
        let packed = i16x8.splat(0);
        for (let h = 0; h < 4; h++) {
          const v = v128.load(at + (<usize>h << 4));
          const ci = i32x4.max_s(lo, i32x4.min_s(hi, i32x4.sub(f32x4.add(f32x4.div(v, sv), magic), magicBits)));
          const c = f32x4.convert_i32x4_s(ci);
          sums4 = i32x4.add(sums4, ci);
          norms4 = i32x4.add(norms4, i32x4.mul(ci, ci));
          const dl = f64x2.sub(f64x2.promote_low_f32x4(v), f64x2.mul(sd, f64x2.promote_low_f32x4(c)));
          const dh = f64x2.sub(f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), f64x2.mul(sd, f64x2.promote_low_f32x4(i8x16.shuffle(c, c, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
          e0 = f64x2.add(e0, f64x2.mul(dl, dl));
          e1 = f64x2.add(e1, f64x2.mul(dh, dh));
          if (h == 0) words = ci;
          else if (h == 1) packed = i16x8.narrow_i32x4_s(words, ci);
          else if (h == 2) words = ci;
          else v128.store(q + <usize>d, i8x16.narrow_i16x8_s(packed, i16x8.narrow_i32x4_s(words, ci)));
        }
      }
      const e = f64x2.add(e0, e1);
      err = f64x2.extract_lane(e, 0) + f64x2.extract_lane(e, 1);
      sum = (i32x4.extract_lane(sums4, 0) + i32x4.extract_lane(sums4, 1)) + (i32x4.extract_lane(sums4, 2) + i32x4.extract_lane(sums4, 3));
      normSq = (i32x4.extract_lane(norms4, 0) + i32x4.extract_lane(norms4, 1)) + (i32x4.extract_lane(norms4, 2) + i32x4.extract_lane(norms4, 3));
    }
    for (; d < dim; d++) {
      const v = load<f32>(p + (<usize>d << 2));
      const code: f32 = scale > 0 ? min<f32>(127, max<f32>(-127, nearest<f32>(v / scale))) : 0;
      const qd = <i32>code;
      store<i8>(q + <usize>d, <i8>qd);
      sum += qd;
      normSq += qd * qd;
      const e = <f64>v - <f64>scale * <f64>code;
      err += e * e;
    }
    const t = terms + (<usize>r << 4);
    store<f32>(t, load<f32>(norms + (<usize>r << 2)));
    store<f32>(t, <f32>(<f64>scale * <f64>sum), 4);
    store<f32>(t, finite ? upF32(sqrt<f64>(err) * (1 + 9.5367431640625e-7)) : Infinity, 8);
    store<f32>(t, scale, 12);
    largest = max<f64>(largest, finite ? <f64>scale * sqrt<f64>(<f64>normSq) * (1 + 9.5367431640625e-7) : Infinity);
  }
  return largest;
}

/** q·p: int8 codes of a row against the int16 codes of the centre, exact in int32. */
// @ts-ignore: decorator
@inline function codeDot(row: usize, centerCodes: usize, dim: i32): i32 {
  const end32 = dim & ~31;
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  let d = 0;
  for (; d < end32; d += 32) {
    const q0 = v128.load(row + <usize>d);
    const q1 = v128.load(row + <usize>d, 16);
    const c = centerCodes + (<usize>d << 1);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(q0), v128.load(c)));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(q0), v128.load(c, 16)));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(q1), v128.load(c, 32)));
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(q1), v128.load(c, 48)));
  }
  if (d + 16 <= dim) {
    const q = v128.load(row + <usize>d);
    const c = centerCodes + (<usize>d << 1);
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(q), v128.load(c)));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(q), v128.load(c, 16)));
    d += 16;
  }
  const v = i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3));
  let s = (i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1)) + (i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
  for (; d < dim; d++) s += <i32>load<i8>(row + <usize>d) * <i32>load<i16>(centerCodes + (<usize>d << 1));
  return s;
}

/**
 * q·(p₁ + 64): int8 codes of a row against the centre's 7-bit codes (0…127), exact in int32 (relaxed SIMD
 * only), as four lane sums (the columns past the last multiple of 16 in lane 0). `i16x8.relaxed_dot_i8x16_i7x16_s`
 * (pmaddubsw) sums pairs of products into int16 lanes, widened by `i32x4.dot_i16x8_s` with ones (pmaddwd).
 * Not `i32x4.relaxed_dot_i8x16_i7x16_add_s`, which does both in one: Node 20's V8 (11.3, behind its flag)
 * returns twice the sum.
 */
// @ts-ignore: decorator
@inline function coarseCodeDotLanes(row: usize, coarse: usize, dim: i32): v128 {
  const end32 = dim & ~31;
  const ones = i16x8.splat(1);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
  let d = 0;
  for (; d < end32; d += 32) {
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row + <usize>d), v128.load(coarse + <usize>d)), ones));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row + <usize>d, 16), v128.load(coarse + <usize>d, 16)), ones));
  }
  if (d + 16 <= dim) {
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row + <usize>d), v128.load(coarse + <usize>d)), ones));
    d += 16;
  }
  const v = i32x4.add(a0, a1);
  if (d == dim) return v;
  let tail = 0;
  for (; d < dim; d++) tail += <i32>load<i8>(row + <usize>d) * <i32>load<u8>(coarse + <usize>d);
  return i32x4.replace_lane(v, 0, i32x4.extract_lane(v, 0) + tail);
}

/**
 * coarseCodeDot, for a known-answer check before the coarse test is trusted (fast/kcenter.ts): a runtime
 * whose relaxed dot product is wrong would otherwise rule rows out wrongly. Without relaxed SIMD the same
 * sum by columns.
 */
export function coarseCodeDotOf(row: usize, coarse: usize, dim: i32): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    const v = coarseCodeDotLanes(row, coarse, dim);
    return (i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1)) + (i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
  }
  let s = 0;
  for (let d = 0; d < dim; d++) s += <i32>load<i8>(row + <usize>d) * <i32>load<u8>(coarse + <usize>d);
  return s;
}

/**
 * The coarse test's lb₁ less K (see above), in float32 lanes: the row's terms [X, σ, e, s] against the
 * centre's weights [1, 128·t₁, −2·A, −2·Bγ], plus −2·t₁·s times the four lane sums of q·(p₁ + 64).
 */
// @ts-ignore: decorator
@inline function coarseBound(terms: v128, lanes: v128, weights: v128, minus2t: v128): f64 {
  const s = i8x16.shuffle(terms, terms, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15);
  const p = f32x4.add(f32x4.mul(terms, weights), f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(lanes), minus2t), s));
  const h = f32x4.add(p, i8x16.shuffle(p, p, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  return <f64>(f32x4.extract_lane(h, 0) + f32x4.extract_lane(h, 1));
}

/**
 * The int16 test: lb > old (see above), for a row the coarse test did not rule out. Never where |x|² + |c|²
 * is not finite: dot32 may then be infinite too, and the distance NaN, which `distance` takes as 0.
 */
// @ts-ignore: decorator
@inline function fineRuleOut(row: usize, terms: v128, centerNorm: f64, old: f64, dim: i32, centerCodes: usize, codeScale: f64, codeA: f64, codeB: f64): bool {
  const s = <f64>f32x4.extract_lane(terms, 3);
  const e = <f64>f32x4.extract_lane(terms, 2);
  const base = (<f64>f32x4.extract_lane(terms, 0) + centerNorm) * (1 - 9.094947017729282e-13);
  if (!(base < Infinity)) return false;
  const qp = <f64>codeDot(row, centerCodes, dim);
  return base - 2 * (s * (codeScale * qp + codeB) + e * codeA) > old;
}

/**
 * Whether the codes rule out that row r gets closer than `old`: lb₁ > old (with relaxed SIMD: coarseBound
 * > old + coarseK), else lb > old (see above). `coarse` holds the 7-bit codes.
 */
// @ts-ignore: decorator
@inline function codesRuleOut(r: i32, centerNorm: f64, old: f64, codes: usize, terms: usize, dim: i32, centerCodes: usize, codeScale: f64, codeA: f64, codeB: f64, coarse: usize, coarseK: f64, weights: v128, minus2t: v128): bool {
  const t = v128.load(terms + (<usize>r << 4));
  const row = codes + <usize>r * <usize>dim;
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (coarseBound(t, coarseCodeDotLanes(row, coarse, dim), weights, minus2t) > old + coarseK) return true;
  }
  return fineRuleOut(row, t, centerNorm, old, dim, centerCodes, codeScale, codeA, codeB);
}

/**
 * q·(p₁ + 64) for rows of 128 codes as four lane sums: no loop. D = 128 is the common width of embeddings
 * for selection, and the coarse test is most of the scan's work there. Each load of the centre's codes sits
 * beside its use (L1 hits): loaded before the scan's loop, V8 (11.3) kept them on the stack anyway.
 */
// @ts-ignore: decorator
@inline function coarseCodeDot128(row: usize, coarse: usize): v128 {
  const ones = i16x8.splat(1);
  const a = i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row), v128.load(coarse)), ones), i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row, 16), v128.load(coarse, 16)), ones)),
    i32x4.add(i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row, 32), v128.load(coarse, 32)), ones), i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row, 48), v128.load(coarse, 48)), ones)),
  );
  const b = i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row, 64), v128.load(coarse, 64)), ones), i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row, 80), v128.load(coarse, 80)), ones)),
    i32x4.add(i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row, 96), v128.load(coarse, 96)), ones), i32x4.dot_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(row, 112), v128.load(coarse, 112)), ones)),
  );
  return i32x4.add(a, b);
}

/**
 * The int16 test for row r, kept out of line: a few rows in a hundred reach it, and inlined, its values
 * crowded the scan's registers (V8 then moved some two dozen values between registers and the stack on
 * every row).
 */
function fineRuleOutRow(r: i32, centerNorm: f64, old: f64, codes: usize, terms: usize, dim: i32, centerCodes: usize, codeScale: f64, codeA: f64, codeB: f64): bool {
  return fineRuleOut(codes + <usize>r * <usize>dim, v128.load(terms + (<usize>r << 4)), centerNorm, old, dim, centerCodes, codeScale, codeA, codeB);
}

/**
 * The first pass of kcenterUpdateCoded for D = 128 with relaxed SIMD and no projection bound, the common
 * case, as a loop of its own: the rows of active[from…end) the codes cannot rule out go to `list`; the
 * largest minimum distance among the others and its row (lowest on ties) to result (f64) and result + 8
 * (i32). Returns how many were listed.
 */
function listByCodes128(
  active: usize, from: i32, end: i32, minDist: usize, list: usize, result: usize, centerNorm: f64,
  codes: usize, terms: usize, centerCodes: usize, codeScale: f64, codeA: f64, codeB: f64, coarse: usize, coarseK: f64,
): i32 {
  // Written for V8's registers: pointers that step rather than indices, the rare paths branching off the
  // common one (ruled out by the coarse test, not the row with the largest distance so far) rather than
  // merging into it as a boolean.
  let max: f64 = -1;
  let argMax: i32 = -1;
  let listed = list;
  const last = active + (<usize>end << 2);
  for (let at = active + (<usize>from << 2); at < last; at += 4) {
    const r = load<i32>(at);
    const old = load<f64>(minDist + (<usize>r << 3));
    // The weights are loaded here, from L1: before the loop, V8 (11.3) recomputed them from the
    // parameters on every row.
    const lanes = coarseCodeDot128(codes + (<usize>r << 7), coarse);
    if (!(coarseBound(v128.load(terms + (<usize>r << 4)), lanes, v128.load(coarse, 128), v128.load(coarse, 144)) > old + coarseK)) {
      if (!fineRuleOutRow(r, centerNorm, old, codes, terms, 128, centerCodes, codeScale, codeA, codeB)) {
        store<i32>(listed, r);
        listed += 4;
        continue;
      }
    }
    if (old >= max) {
      if (old == max && r > argMax) continue;
      max = old;
      argMax = r;
    }
  }
  store<f64>(result, max);
  store<i32>(result, argMax, 8);
  return <i32>((listed - list) >> 2);
}

/**
 * `kcenterDistances` for rows that may get closer: out[i] holds row rows[i]'s minimum distance on entry
 * and its float32 distance to the centre on return when the codes cannot rule out that it is lower
 * (left as it was otherwise). Returns how many rows were computed in float32.
 */
export function kcenterDistancesCoded(
  data: usize, norms: usize, dim: i32, center: usize, centerNorm: f64, rows: usize, count: i32, out: usize,
  codes: usize, terms: usize, centerCodes: usize, codeScale: f64, codeA: f64, codeB: f64, coarse: usize, coarseK: f64,
): i32 {
  const stride = <usize>dim << 2;
  const weights = v128.load(coarse + ((<usize>dim + 15) & ~15));
  const minus2t = v128.load(coarse + ((<usize>dim + 15) & ~15), 16);
  let computed: i32 = 0;
  for (let i = 0; i < count; i++) {
    const r = load<i32>(rows + (<usize>i << 2));
    const at = out + (<usize>i << 3);
    const norm = <f64>load<f32>(norms + (<usize>r << 2));
    if (codesRuleOut(r, centerNorm, load<f64>(at), codes, terms, dim, centerCodes, codeScale, codeA, codeB, coarse, coarseK, weights, minus2t)) continue;
    store<f64>(at, distance(<f64>dot32(data + <usize>r * stride, center, dim), norm, centerNorm));
    computed++;
  }
  return computed;
}

/**
 * `kcenterUpdate` reading the codes first: a row the projection bound (when `proj`) or the codes rule
 * out is skipped; the rest are computed in float32. Stores what `kcenterUpdate` stores (skipped: by the
 * projection bound), and at result + 20 the number of rows computed in float32 (i32).
 *
 * Two passes over the unit: the codes of every row first, listing the rows they cannot rule out (in
 * changed[from…], where the changed rows, a subset in the same order, end up); then those rows in
 * float32, two at a time. They lie far apart in memory (a few in a thousand rows), so each is a cache
 * miss the prefetcher does not foresee: interleaved with the scan of the codes the processor waited for
 * one at a time, here the two rows' loads, and the next pair's, are in flight together.
 */
export function kcenterUpdateCoded(
  data: usize, norms: usize, dim: i32, center: usize, centerNorm: f64, active: usize, from: i32, count: i32, minDist: usize, changed: usize, result: usize, proj: usize, projCenter: usize,
  codes: usize, terms: usize, centerCodes: usize, codeScale: f64, codeA: f64, codeB: f64, coarse: usize, coarseK: f64,
): void {
  const weights = v128.load(coarse + ((<usize>dim + 15) & ~15));
  const minus2t = v128.load(coarse + ((<usize>dim + 15) & ~15), 16);
  const stride = <usize>dim << 2;
  const bounded = proj != 0;
  const c0 = v128.load(projCenter), c1 = v128.load(projCenter, 16), c2 = v128.load(projCenter, 32), c3 = v128.load(projCenter, 48);
  let max: f64 = -1;
  let argMax: i32 = -1;
  let skipped: i32 = 0;
  let listed: i32 = 0;
  const list = changed + (<usize>from << 2);
  const end = from + count;
  if (ASC_FEATURE_RELAXED_SIMD && dim == 128 && !bounded) {
    listed = listByCodes128(active, from, end, minDist, list, result, centerNorm, codes, terms, centerCodes, codeScale, codeA, codeB, coarse, coarseK);
    max = load<f64>(result);
    argMax = load<i32>(result, 8);
  } else {
    for (let i = from; i < end; i++) {
      const r = load<i32>(active + (<usize>i << 2));
      const old = load<f64>(minDist + (<usize>r << 3));
      if (bounded && projectedDistance(proj + (<usize>r << 6), c0, c1, c2, c3) > old * (1 + 0.0009765625) + 0.0009765625 * (<f64>load<f32>(norms + (<usize>r << 2)) + centerNorm)) {
        skipped++;
      } else if (!codesRuleOut(r, centerNorm, old, codes, terms, dim, centerCodes, codeScale, codeA, codeB, coarse, coarseK, weights, minus2t)) {
        store<i32>(list + (<usize>listed << 2), r);
        listed++;
        continue;
      }
      if (old > max || (old == max && r < argMax)) {
        max = old;
        argMax = r;
      }
    }
  }
  let changedCount: i32 = 0;
  let k: i32 = 0;
  for (; k + 1 < listed; k += 2) {
    const r = load<i32>(list + (<usize>k << 2));
    const u = load<i32>(list + (<usize>k << 2), 4);
    const x = data + <usize>r * stride;
    const y = data + <usize>u * stride;
    const end16 = <usize>(dim & ~15) << 2;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
    for (let off: usize = 0; off < end16; off += 64) {
      const w0 = v128.load(center + off), w1 = v128.load(center + off, 16), w2 = v128.load(center + off, 32), w3 = v128.load(center + off, 48);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(x + off), w0));
      b0 = f32x4.add(b0, f32x4.mul(v128.load(y + off), w0));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(x + off, 16), w1));
      b1 = f32x4.add(b1, f32x4.mul(v128.load(y + off, 16), w1));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(x + off, 32), w2));
      b2 = f32x4.add(b2, f32x4.mul(v128.load(y + off, 32), w2));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(x + off, 48), w3));
      b3 = f32x4.add(b3, f32x4.mul(v128.load(y + off, 48), w3));
    }
    const dr = distance(<f64>dot32Finish(x, center, dim, a0, a1, a2, a3), <f64>load<f32>(norms + (<usize>r << 2)), centerNorm);
    const du = distance(<f64>dot32Finish(y, center, dim, b0, b1, b2, b3), <f64>load<f32>(norms + (<usize>u << 2)), centerNorm);
    changedCount = lowerTo(r, dr, minDist, list, changedCount);
    const mr = load<f64>(minDist + (<usize>r << 3));
    if (mr > max || (mr == max && r < argMax)) {
      max = mr;
      argMax = r;
    }
    changedCount = lowerTo(u, du, minDist, list, changedCount);
    const mu = load<f64>(minDist + (<usize>u << 3));
    if (mu > max || (mu == max && u < argMax)) {
      max = mu;
      argMax = u;
    }
  }
  if (k < listed) {
    const r = load<i32>(list + (<usize>k << 2));
    const dr = distance(<f64>dot32(data + <usize>r * stride, center, dim), <f64>load<f32>(norms + (<usize>r << 2)), centerNorm);
    changedCount = lowerTo(r, dr, minDist, list, changedCount);
    const mr = load<f64>(minDist + (<usize>r << 3));
    if (mr > max || (mr == max && r < argMax)) {
      max = mr;
      argMax = r;
    }
  }
  store<f64>(result, argMax < 0 ? 0 : max);
  store<i32>(result, argMax, 8);
  store<i32>(result, changedCount, 12);
  store<i32>(result, skipped, 16);
  store<i32>(result, listed, 20);
}

/**
 * Lowers row r's minimum distance to d when d is lower, appending r to the changed rows (`list`, which
 * the changed rows overwrite from its start: never past the row being read); the new changed count.
 */
// @ts-ignore: decorator
@inline function lowerTo(r: i32, d: f64, minDist: usize, list: usize, changedCount: i32): i32 {
  const at = minDist + (<usize>r << 3);
  if (!(d < load<f64>(at))) return changedCount;
  store<f64>(at, d);
  store<i32>(list + (<usize>changedCount << 2), r);
  return changedCount + 1;
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
@inline function offer(i: i32, key: f32, id: i32, m: i32, lists: usize, ceil: usize): void {
  const cp = ceil + (<usize>i << 2);
  if (!(key < load<f32>(cp))) return;
  // Row i's list: m keys, then their m ids — one run of bytes, so an insertion touches adjacent lines.
  const keys = lists + (<usize>i * <usize>m << 3);
  const ids = keys + (<usize>m << 2);
  let p = m - 1;
  while (p > 0) {
    const prev = load<f32>(keys + (<usize>(p - 1) << 2));
    if (!(prev > key)) break;
    store<f32>(keys + (<usize>p << 2), prev);
    store<i32>(ids + (<usize>p << 2), load<i32>(ids + (<usize>(p - 1) << 2)));
    p--;
  }
  store<f32>(keys + (<usize>p << 2), key);
  store<i32>(ids + (<usize>p << 2), id);
  store<f32>(cp, load<f32>(keys + (<usize>(m - 1) << 2)));
}

// @ts-ignore: decorator
@inline function dotTail(a: usize, b: usize, from: i32, dim: i32): f32 {
  let s: f32 = 0;
  for (let d = from; d < dim; d++) s += load<f32>(a + (<usize>d << 2)) * load<f32>(b + (<usize>d << 2));
  return s;
}

/** [Σa, Σb, Σc, Σd]: four horizontal sums at once (6 shuffles and 3 additions instead of 12 and 12). */
// @ts-ignore: decorator
@inline function sums4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/**
 * c + a·b for the neighbour filter: fused (one rounding) where the runtime has relaxed SIMD — the module
 * is built twice, with and without it (`build.ts`), and the one this runtime validates is used — else a
 * multiplication and an addition. Only the filter uses it: the survivors are re-ranked exactly, so the
 * rounding only decides which few candidates survive. k-center keeps the reference's order (no FMA).
 */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** The four dot products `dots` of q with c0…c0+3, their columns past vecEnd (dim mod 4 of them) added. */
// @ts-ignore: decorator
@inline function withTails(dots: v128, q: usize, c0: usize, stride: usize, vecEnd: i32, dim: i32): v128 {
  if (vecEnd == dim) return dots;
  let dv = dots;
  dv = f32x4.replace_lane(dv, 0, f32x4.extract_lane(dv, 0) + dotTail(q, c0, vecEnd, dim));
  dv = f32x4.replace_lane(dv, 1, f32x4.extract_lane(dv, 1) + dotTail(q, c0 + stride, vecEnd, dim));
  dv = f32x4.replace_lane(dv, 2, f32x4.extract_lane(dv, 2) + dotTail(q, c0 + 2 * stride, vecEnd, dim));
  dv = f32x4.replace_lane(dv, 3, f32x4.extract_lane(dv, 3) + dotTail(q, c0 + 3 * stride, vecEnd, dim));
  return dv;
}

/**
 * Offers row i the four keys `k` of rows id…id+3 (all but `self`), compared with the row's ceiling all four
 * at once, so that the usual case — none is among the m best so far — costs one comparison.
 */
// @ts-ignore: decorator
@inline function offer4(i: i32, k: v128, id: i32, self: i32, m: i32, lists: usize, ceil: usize): void {
  if (!v128.any_true(f32x4.lt(k, f32x4.splat(load<f32>(ceil + (<usize>i << 2)))))) return;
  if (id != self) offer(i, f32x4.extract_lane(k, 0), id, m, lists, ceil);
  if (id + 1 != self) offer(i, f32x4.extract_lane(k, 1), id + 1, m, lists, ceil);
  if (id + 2 != self) offer(i, f32x4.extract_lane(k, 2), id + 2, m, lists, ceil);
  if (id + 3 != self) offer(i, f32x4.extract_lane(k, 3), id + 3, m, lists, ceil);
}

/**
 * Queries q[0..qCount) (rows of `dim` float32 at `queries`) against candidates c[0..cCount) at
 * `candidates` with squared norms `candNorms` (float32). Candidate j has id `idBase + j`; query i skips the
 * candidate whose id is `selfBase + i` (pass selfBase out of reach to skip none).
 * lists: per row m keys ascending, then their m ids; ceil: per row the m-th key so far (+Inf while not
 * full); query i's are those of row `qPos + i`.
 *
 * Symmetric (`qNorms`, the queries' squared norms, not 0): each pair computed once — half the
 * arithmetic. Query i is then row qPos + i, lists and ceil hold the candidates' rows too (indexed by row:
 * the caller offsets the pointers), and each dot product also gives candidate j (row idBase + j) its key
 * |q|² − 2·q·c for query qPos + i.
 *
 * Register blocking: 4 candidates × 2 queries, eight f32x4 accumulators fed by six loads per four
 * columns; the four candidates' sums of a query are reduced together and compared with its ceiling in
 * one vector comparison (and, symmetric, with the four candidates' ceilings in another). The float32
 * rounding here only decides which m candidates survive (the caller re-ranks them exactly), so the order
 * of the sums is free.
 */
export function knnTile(queries: usize, qCount: i32, qPos: i32, qNorms: usize, dim: i32, candidates: usize, candNorms: usize, cCount: i32, idBase: i32, selfBase: i32, m: i32, lists: usize, ceil: usize): void {
  const stride = <usize>dim << 2;
  const vecEnd = dim & ~3;
  const vecBytes = <usize>vecEnd << 2;
  const symmetric = qNorms != 0;
  let j = 0;
  for (; j + 3 < cCount; j += 4) {
    const c0 = candidates + <usize>j * stride;
    const c1 = c0 + stride;
    const c2 = c1 + stride;
    const c3 = c2 + stride;
    const cn = v128.load(candNorms + (<usize>j << 2));
    const id = idBase + j;
    let i = 0;
    for (; i + 1 < qCount; i += 2) {
      const q0 = queries + <usize>i * stride;
      const q1 = q0 + stride;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      for (let off: usize = 0; off < vecBytes; off += 16) {
        const y0 = v128.load(q0 + off);
        const y1 = v128.load(q1 + off);
        const x0 = v128.load(c0 + off);
        s00 = madd(y0, x0, s00);
        s10 = madd(y1, x0, s10);
        const x1 = v128.load(c1 + off);
        s01 = madd(y0, x1, s01);
        s11 = madd(y1, x1, s11);
        const x2 = v128.load(c2 + off);
        s02 = madd(y0, x2, s02);
        s12 = madd(y1, x2, s12);
        const x3 = v128.load(c3 + off);
        s03 = madd(y0, x3, s03);
        s13 = madd(y1, x3, s13);
      }
      const d0 = withTails(sums4(s00, s01, s02, s03), q0, c0, stride, vecEnd, dim);
      const d1 = withTails(sums4(s10, s11, s12, s13), q1, c0, stride, vecEnd, dim);
      offer4(qPos + i, f32x4.sub(cn, f32x4.add(d0, d0)), id, selfBase + i, m, lists, ceil);
      offer4(qPos + i + 1, f32x4.sub(cn, f32x4.add(d1, d1)), id, selfBase + i + 1, m, lists, ceil);
      if (symmetric) {
        offerToCandidates(id, qPos + i, load<f32>(qNorms + (<usize>i << 2)), d0, m, lists, ceil);
        offerToCandidates(id, qPos + i + 1, load<f32>(qNorms + (<usize>(i + 1) << 2)), d1, m, lists, ceil);
      }
    }
    if (i < qCount) {
      const q0 = queries + <usize>i * stride;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      for (let off: usize = 0; off < vecBytes; off += 16) {
        const y0 = v128.load(q0 + off);
        s00 = madd(y0, v128.load(c0 + off), s00);
        s01 = madd(y0, v128.load(c1 + off), s01);
        s02 = madd(y0, v128.load(c2 + off), s02);
        s03 = madd(y0, v128.load(c3 + off), s03);
      }
      const d0 = withTails(sums4(s00, s01, s02, s03), q0, c0, stride, vecEnd, dim);
      offer4(qPos + i, f32x4.sub(cn, f32x4.add(d0, d0)), id, selfBase + i, m, lists, ceil);
      if (symmetric) offerToCandidates(id, qPos + i, load<f32>(qNorms + (<usize>i << 2)), d0, m, lists, ceil);
    }
  }
  for (; j < cCount; j++) {
    const c0 = candidates + <usize>j * stride;
    const n0 = load<f32>(candNorms + (<usize>j << 2));
    const id = idBase + j;
    for (let i = 0; i < qCount; i++) {
      if (id == selfBase + i) continue;
      const q0 = queries + <usize>i * stride;
      let s0 = f32x4.splat(0);
      for (let off: usize = 0; off < vecBytes; off += 16) s0 = madd(v128.load(q0 + off), v128.load(c0 + off), s0);
      const d = hsum(s0) + dotTail(q0, c0, vecEnd, dim);
      offer(qPos + i, n0 - 2 * d, id, m, lists, ceil);
      if (symmetric) offer(id, load<f32>(qNorms + (<usize>i << 2)) - 2 * d, qPos + i, m, lists, ceil);
    }
  }
}

/** Symmetric kNN: rows c…c+3 offered the query q (squared norm qNorm) whose dot products with them are `dots`. */
// @ts-ignore: decorator
@inline function offerToCandidates(c: i32, q: i32, qNorm: f32, dots: v128, m: i32, lists: usize, ceil: usize): void {
  const k = f32x4.sub(f32x4.splat(qNorm), f32x4.add(dots, dots));
  if (!v128.any_true(f32x4.lt(k, v128.load(ceil + (<usize>c << 2))))) return;
  offer(c, f32x4.extract_lane(k, 0), q, m, lists, ceil);
  offer(c + 1, f32x4.extract_lane(k, 1), q, m, lists, ceil);
  offer(c + 2, f32x4.extract_lane(k, 2), q, m, lists, ceil);
  offer(c + 3, f32x4.extract_lane(k, 3), q, m, lists, ceil);
}

/**
 * The re-rank's exact dot products: out[c] (f64) = row q · row ids[c] of `rows`, for c < count, as the
 * scalar reference's `dot` (kernels/index.ts) computes them — float64 products of the float32 values
 * (exact), accumulator d mod 4 for column d (two f64x2 here), the columns past the last multiple of four
 * into the first, summed ((s0 + s1) + s2) + s3 — so bit for bit its values.
 */
export function exactDots(q: usize, rows: usize, dim: i32, ids: usize, count: i32, out: usize): void {
  const stride = <usize>dim << 2;
  const vecBytes = <usize>(dim & ~3) << 2;
  for (let c = 0; c < count; c++) {
    const p = rows + <usize>load<i32>(ids + (<usize>c << 2)) * stride;
    let s01 = f64x2.splat(0), s23 = f64x2.splat(0);
    let off: usize = 0;
    for (; off < vecBytes; off += 16) {
      s01 = f64x2.add(s01, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q + off)), f64x2.promote_low_f32x4(v128.load64_zero(p + off))));
      s23 = f64x2.add(s23, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(q + off + 8)), f64x2.promote_low_f32x4(v128.load64_zero(p + off + 8))));
    }
    let s0 = f64x2.extract_lane(s01, 0);
    for (; off < stride; off += 4) s0 += <f64>load<f32>(q + off) * <f64>load<f32>(p + off);
    store<f64>(out + (<usize>c << 3), ((s0 + f64x2.extract_lane(s01, 1)) + f64x2.extract_lane(s23, 0)) + f64x2.extract_lane(s23, 1));
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
