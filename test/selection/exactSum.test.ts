/**
 * The exact sum of float32 values (functions/selection/exactSum.ts): the same float64 for any order and any
 * split into parts merged (through their JSON, as the workflow stores them), the correctly rounded exact
 * sum (against a BigInt reference), where a float64 sum in sequence drifts too; and typicality's τ from
 * it the same whether the distances are reduced in one piece or shard by shard.
 */
import { describe, expect, it } from 'vitest';
import { ExactSum, type ExactSumJson } from '../../functions/selection/exactSum.js';
import { typicality, typicalityOfUnits, typicalityTau } from '../../functions/selection/strategies/typicality.js';

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float32 values of both signs over a wide range of exponents (`spread` powers of two each way), some subnormal. */
function wideValues(seed: number, count: number, spread: number): Float32Array {
  const next = random(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const sign = next() < 0.3 ? -1 : 1;
    values[i] = i % 997 === 0 ? sign * 2 ** -140 * next() : sign * (1 + next()) * 2 ** Math.round((next() * 2 - 1) * spread);
  }
  return values;
}

/** The exact sum with BigInt, scaled by 2^150 (every float32 is an integer multiple of 2^-149). */
function bigSum(values: Float32Array): bigint {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let sum = 0n;
  for (const b of bits) {
    const exponent = (b >>> 23) & 0xff;
    if (exponent === 0xff) continue;
    const mantissa = BigInt(exponent === 0 ? b & 0x7fffff : (b & 0x7fffff) | 0x800000);
    const scaled = mantissa << BigInt(exponent === 0 ? 1 : exponent);
    sum += b >>> 31 ? -scaled : scaled;
  }
  return sum;
}
const reference = (values: Float32Array) => Number(bigSum(values)) * 2 ** -150;

function sequentialSum(values: Float32Array): number {
  let sum = 0;
  for (const v of values) if (!Number.isNaN(v)) sum += v;
  return sum;
}

function shuffled(values: Float32Array, seed: number): Float32Array {
  const next = random(seed);
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The values cut at random points, each part summed apart and stored as JSON, merged in a shuffled order. */
function mergedInParts(values: Float32Array, parts: number, seed: number): ExactSum {
  const next = random(seed);
  const cuts = [0, ...Array.from({ length: parts - 1 }, () => Math.floor(next() * values.length)).sort((a, b) => a - b), values.length];
  const stored = cuts.slice(1).map((end, i) => JSON.stringify(new ExactSum().add(values.subarray(cuts[i]!, end))));
  const order = shuffled(Float32Array.from(stored.keys()), seed + 1);
  return Array.from(order).reduce((sum, i) => sum.merge(ExactSum.fromJSON(JSON.parse(stored[i]!) as ExactSumJson)), new ExactSum());
}

describe('the exact sum of float32 values', () => {
  const values = wideValues(1, 200_000, 40);

  it('is the BigInt-exact sum correctly rounded to a float64, where a sequential float64 sum is not', () => {
    const exact = reference(values);
    expect(new ExactSum().add(values).value()).toBe(exact);
    // The float64 sum in sequence loses the low bits of the small values next to the large ones.
    expect(sequentialSum(values)).not.toBe(exact);
    // Cancellation: 1e30 + 1 − 1e30.
    expect(new ExactSum().add(Float32Array.of(1e30, 1, -1e30)).value()).toBe(1);
    expect(sequentialSum(Float32Array.of(1e30, 1, -1e30))).toBe(0);
    expect(new ExactSum().value()).toBe(0);
    expect(new ExactSum().add(Float32Array.of(2 ** -149, 2 ** -149)).value()).toBe(2 ** -148);
  });

  it('is the same float64 for any order and any split into parts merged', () => {
    const whole = new ExactSum().add(values).value();
    for (const seed of [2, 3, 4]) {
      expect(Object.is(new ExactSum().add(shuffled(values, seed)).value(), whole)).toBe(true);
      for (const parts of [2, 7, 150]) {
        const merged = mergedInParts(shuffled(values, seed), parts, seed * 10 + parts);
        expect(Object.is(merged.value(), whole)).toBe(true);
        expect(merged.count).toBe(values.length);
      }
    }
  });

  it('stays exact past 2^53 of one power of two (hundreds of millions of values)', () => {
    // 2^24 − 1 has every mantissa bit set: 2^22 of them, added 150 times, pass 2^53 in one bin.
    const block = new Float32Array(2 ** 22).fill(2 ** 24 - 1);
    const sum = new ExactSum();
    for (let i = 0; i < 150; i++) sum.add(block);
    expect(sum.value()).toBe((2 ** 24 - 1) * 2 ** 22 * 150);
    expect(sum.count).toBe(2 ** 22 * 150);
    // The same sum, negated, in 75 float32 values of (2^24 − 1) × 2^23.
    const negative = new ExactSum().add(new Float32Array(75).fill(-(2 ** 24 - 1) * 2 ** 23));
    expect(sum.merge(negative).value()).toBe(0);
  });

  it('skips NaN (missing) and counts the values summed; infinities sum as float arithmetic does', () => {
    const withNaN = Float32Array.of(NaN, 1.5, NaN, 2.25, NaN);
    const sum = new ExactSum().add(withNaN);
    expect(sum.value()).toBe(3.75);
    expect(sum.count).toBe(2);
    expect(ExactSum.fromJSON(sum.toJSON()).count).toBe(2);
    expect(new ExactSum().add(Float32Array.of(NaN)).count).toBe(0);
    expect(new ExactSum().add(Float32Array.of(1, Infinity)).value()).toBe(Infinity);
    expect(new ExactSum().add(Float32Array.of(-Infinity, 1)).value()).toBe(-Infinity);
    expect(new ExactSum().add(Float32Array.of(Infinity, -Infinity)).value()).toBeNaN();
  });
});

describe('typicality’s τ from the exact sum', () => {
  const k = 5;
  const units = 20_000;
  const next = random(9);
  // Distances as kNN gives them: positive, increasing per unit, some units with fewer than k neighbours.
  const knn = new Float32Array(units * k);
  for (let u = 0; u < units; u++) for (let c = 0; c < k; c++) knn[u * k + c] = u % 101 === 0 && c >= 2 ? NaN : (0.3 + next()) * (1 + c * 0.1) * (u % 7 === 0 ? 1e3 : 1);

  it('is at least as close to the exact mean as the sequential float64 sum was', () => {
    const present = knn.filter((d) => !Number.isNaN(d));
    const exactSum = bigSum(present);
    const sum = new ExactSum().add(knn);
    expect(typicalityTau(sum)).toBe(reference(present) / present.length);
    // Distance to the exact sum, in units of 2^-150 (every sum here is a multiple of that).
    const error = (value: number) => {
      const d = BigInt(value * 2 ** 150) - exactSum;
      return d < 0n ? -d : d;
    };
    expect(error(sum.value())).toBeLessThanOrEqual(error(sequentialSum(present)));
  });

  it('gives the same typicality, bit for bit, reduced in one piece or shard by shard through the definition', () => {
    const strategy = { type: 'TYPICALITY' as const, numNearestNeighbors: k };
    const reduce = typicality.heavy!.reduce!;
    // In one piece, as the engine reduces (heavyStaticPerUnit): τ from the exact sum of every distance.
    const whole = typicalityOfUnits(knn, units, k, typicalityTau(new ExactSum().add(knn)));
    for (const cuts of [
      [0, 1, 9_000, 15_000, units],
      [0, 3_333, 6_666, 13_000, 19_999, units],
    ]) {
      const shards = cuts.slice(1).map((end, i) => knn.subarray(cuts[i]! * k, end * k));
      const summaries = shards.map((values) => JSON.parse(JSON.stringify(reduce.summary(strategy, values))) as unknown);
      const merged = reduce.merge(strategy, summaries.reverse());
      const perUnit = new Float64Array(units);
      for (const [i, values] of shards.entries()) perUnit.set(reduce.perUnit(strategy, values, cuts[i + 1]! - cuts[i]!, merged), cuts[i]!);
      expect(Array.from(perUnit)).toEqual(Array.from(whole));
    }
    // The lone units (no neighbour at all) keep the smallest positive typicality.
    expect(typicalityOfUnits(Float32Array.of(NaN, NaN), 1, 2, 1)[0]).toBe(Number.MIN_VALUE);
  });
});
