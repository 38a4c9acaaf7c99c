/**
 * int8 codes for the k-center scan (`precision: 'int8'`): the scan reads each row's int8 codes first and
 * its float32 values only where the codes cannot rule out that the row gets closer, so the distances,
 * changed rows, maxima and picks are the scalar reference's (float32) bit for bit — on sizes that are
 * multiples of nothing, exact duplicates, one thread, two threads, split into blocks, fused or not — while
 * most rows are never read in float32. Run on both variants of the kernels (vitest.config.ts): with relaxed
 * SIMD a coarser test on 7-bit centre codes runs first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { engineKernels, kCenterPrecision } from '../../functions/kernels/engine.js';
import { createFastKernels, type FastKernels } from '../../functions/kernels/fast.js';
import { kernelModuleVariant } from '../../functions/kernels/fast/module.js';
import type { KernelExports } from '../../functions/kernels/ops/types.js';
import { wasm } from '../../functions/kernels/wasm/api.js';
import { scalarKernels, type Kernels } from '../../functions/kernels/index.js';
import { clusteredMatrix, gaussianMatrix } from './matrices.js';

const variants: { name: string; kernels: FastKernels }[] = [
  { name: 'one thread', kernels: createFastKernels({ threads: 1, precision: 'int8' }) },
  { name: 'two threads', kernels: createFastKernels({ threads: 2, precision: 'int8' }) },
  { name: 'two threads, split into blocks', kernels: createFastKernels({ threads: 2, precision: 'int8', blockBytes: 360_000 }) },
];
afterAll(async () => {
  for (const v of variants) await v.kernels.close();
});

/** Exact copies of rows, so zero distances and tied maxima occur. */
function withDuplicates(data: Float32Array, dim: number): Float32Array {
  data.copyWithin(30 * dim, 70 * dim, 71 * dim);
  data.copyWithin(1000 * dim, 5 * dim, 6 * dim);
  return data;
}

const datasets = [
  { name: 'random', rows: 3001, dim: 131, picks: 60, data: () => withDuplicates(gaussianMatrix(11, 3001, 131), 131) },
  { name: 'clustered', rows: 2503, dim: 128, picks: 60, data: () => withDuplicates(clusteredMatrix(12, 2503, 128, 25, 0.05), 128) },
  // 23 = 16 + 4 + 3 columns: every part of both the code and the float32 summation.
  { name: 'odd width', rows: 4001, dim: 23, picks: 60, data: () => withDuplicates(gaussianMatrix(14, 4001, 23), 23) },
  { name: 'clustered, many picks', rows: 6007, dim: 64, picks: 300, data: () => clusteredMatrix(41, 6007, 64, 40, 0.05) },
  // |x|² of 10³⁶: the coarse test's float32 lanes could overflow, so it is off (coarseK = ∞) and the int16 test decides.
  { name: 'one row 10¹⁷ times the others', rows: 1501, dim: 128, picks: 40, data: () => gaussianMatrix(15, 1501, 128).map((v, i) => (Math.floor(i / 128) === 7 ? v * 1e17 : v)) },
];

/** Farthest-first picks with every intermediate result, from an active list in no particular order. */
function trace(kernels: Kernels, data: Float32Array, dim: number, rows: number, picks: number, beside = false) {
  const active = Int32Array.from({ length: rows }, (_, i) => (i * 7919) % rows).filter((u) => u % 13 !== 5);
  let activeCount = active.length;
  const minDistSq = (kernels.sharedFloat64?.(rows, beside ? { data, dim } : undefined) ?? new Float64Array(rows)).fill(Infinity);
  const changed = new Int32Array(rows);
  const steps: { max: number; argMax: number; changed: number[] }[] = [];
  let next = active[0]!;
  let scanned = 0;
  for (let p = 0; p < picks; p++) {
    const at = active.indexOf(next);
    active[at] = active[--activeCount]!;
    scanned += activeCount;
    const r = kernels.kCenterUpdate(data, dim, data.slice(next * dim, (next + 1) * dim), active, activeCount, minDistSq, changed);
    // The changed rows as a set: the contract names no order (a matrix in blocks lists each block's in turn).
    steps.push({ max: r.max, argMax: r.argMax, changed: Array.from(changed.subarray(0, r.changedCount)).sort((a, b) => a - b) });
    next = r.argMax;
  }
  return { steps, minDistSq: Array.from(minDistSq), scanned };
}

describe.each(datasets)('$name data ($rows × $dim, $picks picks)', ({ rows, dim, picks, data: make }) => {
  const data = make();
  const reference = trace(scalarKernels, data, dim, rows, picks);

  it.each(variants)('int8 scan, state beside the matrix or not: float32 picks, distances and changed rows, bit for bit ($name)', ({ kernels }) => {
    for (const beside of [false, true]) {
      const before = kernels.stats.float32Rows;
      const fast = trace(kernels, data, dim, rows, picks, beside);
      expect(fast.steps).toEqual(reference.steps);
      expect(fast.minDistSq).toEqual(reference.minDistSq);
      // The codes really decided: after the first pick (every row computed, its minimum being ∞), at
      // most half of the rows were read in float32 over the whole run.
      const float32Rows = kernels.stats.float32Rows - before;
      expect(float32Rows).toBeGreaterThan(rows - 20);
      expect(float32Rows).toBeLessThan(fast.scanned * 0.5);
    }
  });
});

it('float32 kernels (the default precision) read every row in float32 when the bound is off', async () => {
  const kernels = createFastKernels({ threads: 2, prune: false });
  const rows = 2503;
  const dim = 64;
  const data = gaussianMatrix(5, rows, dim);
  const fast = trace(kernels, data, dim, rows, 20, true);
  expect(kernels.precision).toBe('float32');
  expect(kernels.stats.float32Rows).toBe(fast.scanned);
  expect(fast.steps).toEqual(trace(scalarKernels, data, dim, rows, 20).steps);
  await kernels.close();
});

it('a row whose squared norm overflows float32: the NaN distance the reference makes 0 is computed, not ruled out', () => {
  // After row 0, row 1 (|x|² = ∞ in float32) is the farthest; with it as the centre, row 2's float32
  // distance is ∞ − ∞ = NaN, which the reference takes as 0. A bound of +∞ from |x|² + |c|² must not
  // rule row 2 out.
  const dim = 2;
  const data = new Float32Array([1, 0, 1e20, 0, 1e19, 0, 2, 1, -3, 0.5]);
  const rows = data.length / dim;
  const reference = trace(scalarKernels, data, dim, rows, 4);
  for (const { kernels } of variants) expect(trace(kernels, data, dim, rows, 4, true).steps).toEqual(reference.steps);
});

it('rows far from the origin against their spread (codes cannot tell them apart): still float32 bit for bit', () => {
  const rows = 1501;
  const dim = 19;
  const data = gaussianMatrix(8, rows, dim).map((v, i) => (i % dim === 0 ? 1000 : 0) + 1e-3 * v);
  const reference = trace(scalarKernels, data, dim, rows, 40);
  for (const { kernels } of variants) expect(trace(kernels, data, dim, rows, 40, true).steps).toEqual(reference.steps);
});

describe('the engine', () => {
  it('scans int8 codes for k-center by default; WINNOW_KCENTER_PRECISION=float32 scans float32 alone; anything else is refused by name', () => {
    expect((engineKernels() as FastKernels).precision).toBe(process.env.WINNOW_KCENTER_PRECISION === 'float32' ? 'float32' : 'int8');
    expect(kCenterPrecision(undefined)).toBe('int8');
    expect(kCenterPrecision('float32')).toBe('float32');
    expect(kCenterPrecision('int8')).toBe('int8');
    expect(() => kCenterPrecision('float16')).toThrow(/WINNOW_KCENTER_PRECISION: must be float32 or int8, got "float16"/);
  });
});

describe('the 7-bit centre codes (the coarse test run first with relaxed SIMD)', () => {
  it('the kernels run the variant this test project asks for', () => {
    for (const { kernels } of variants) expect(kernels.relaxedSimd).toBe(process.env.WINNOW_RELAXED_SIMD === 'on');
  });

  it('row codes as a column loop makes them, on every width and on rows with zeros, tiny, huge, infinite and NaN values', () => {
    const variant = kernelModuleVariant()!;
    const memory = new wasm.Memory({ initial: 4, maximum: 4, shared: true });
    const kernels = new wasm.Instance(variant.module, { env: { memory } }).exports as unknown as KernelExports;
    const random = gaussianMatrix(21, 1, 4096);
    const f = Math.fround;
    for (const dim of [1, 15, 16, 17, 31, 32, 64, 131]) {
      const rowValues: ((d: number) => number)[] = [
        (d) => random[d]!,
        (d) => random[d + 7]! * 1e6,
        () => 0,
        (d) => (d === 0 ? 3 : 0),
        (d) => random[d + 11]! * 1e-42,
        (d) => (d === dim - 1 ? Infinity : random[d]!),
        (d) => (d === dim >> 1 ? NaN : random[d]!),
        (d) => (d % 3 === 0 ? -2.5 : 2.5),
      ];
      const rows = rowValues.length;
      const data = new Float32Array(memory.buffer, 0, rows * dim);
      rowValues.forEach((value, r) => {
        for (let d = 0; d < dim; d++) data[r * dim + d] = value(d);
      });
      const codesAt = 65536;
      const termsAt = 131072;
      const normsAt = termsAt + 4096;
      const norms = new Float32Array(memory.buffer, normsAt, rows);
      norms.forEach((_, r) => (norms[r] = r * 1.5 + 0.25));
      const largest = kernels.quantiseRows(0, normsAt, dim, rows, codesAt, termsAt);
      const codes = new Int8Array(memory.buffer, codesAt, rows * dim);
      // Four terms a row: [squared norm (copied), s·Σq, error, s].
      const terms = new Float32Array(memory.buffer, termsAt, rows * 4);
      let expectedLargest = 0;
      for (let r = 0; r < rows; r++) {
        const where = `row ${r}, ${dim} columns`;
        let maxAbs = 0;
        for (let d = 0; d < dim; d++) maxAbs = Number.isNaN(maxAbs) ? maxAbs : Math.max(maxAbs, Math.abs(data[r * dim + d]!));
        let scale = f(maxAbs / 127);
        const finite = Number.isFinite(scale);
        if (!finite) scale = 0;
        let sum = 0;
        let normSq = 0;
        let errSq = 0;
        for (let d = 0; d < dim; d++) {
          const v = data[r * dim + d]!;
          // Math.round rounds halves up, the kernels to even: the same away from halves, which random values never hit.
          const code = scale > 0 ? Math.max(-127, Math.min(127, Math.round(f(v / scale)))) : 0;
          expect(codes[r * dim + d], `${where}, column ${d}`).toBe(code);
          sum += code;
          normSq += code * code;
          errSq += (v - scale * code) ** 2;
        }
        expect(terms[4 * r], where).toBe(norms[r]);
        expect(terms[4 * r + 1], where).toBe(f(scale * sum));
        expect(terms[4 * r + 3], where).toBe(scale);
        if (finite) {
          // An upper bound of the rounding error, tight to 2⁻¹⁹ (or one step among subnormal floats).
          expect(terms[4 * r + 2]!, where).toBeGreaterThanOrEqual(Math.sqrt(errSq));
          expect(terms[4 * r + 2]!, where).toBeLessThanOrEqual(Math.sqrt(errSq) * (1 + 2 ** -19) + 2 ** -149);
          expectedLargest = Math.max(expectedLargest, scale * Math.sqrt(normSq));
        } else {
          expect(terms[4 * r + 2], where).toBe(Infinity);
          expectedLargest = Infinity;
        }
      }
      expect(largest).toBeGreaterThanOrEqual(expectedLargest);
      expect(largest).toBeLessThanOrEqual(expectedLargest * (1 + 2 ** -19));
    }
  });

  it('q·p exactly, at the extremes of both codes (no int16 saturation) and on widths with every kind of tail', () => {
    const variant = kernelModuleVariant()!;
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true });
    const kernels = new wasm.Instance(variant.module, { env: { memory } }).exports as unknown as KernelExports;
    const rowAt = 1024;
    const coarseAt = 4096;
    for (const dim of [1, 15, 16, 23, 31, 32, 48, 131]) {
      for (const [name, rowCode, coarseCode] of [
        ['largest', () => 127, () => 127],
        ['smallest', () => -127, () => 127],
        ['mixed', (d: number) => ((d * 53) % 255) - 127, (d: number) => (d * 29 + 3) % 128],
      ] as const) {
        const row = new Int8Array(memory.buffer, rowAt, dim);
        const coarse = new Uint8Array(memory.buffer, coarseAt, dim);
        let expected = 0;
        for (let d = 0; d < dim; d++) {
          row[d] = rowCode(d);
          coarse[d] = coarseCode(d);
          expected += row[d]! * coarse[d]!;
        }
        expect(kernels.coarseCodeDotOf(rowAt, coarseAt, dim), `${name}, ${dim} columns`).toBe(expected);
      }
    }
  });
});
