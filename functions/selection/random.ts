/**
 * RANDOM input values: a counter-based generator keyed by (seed, row), so any row range (one shard) is
 * computed on its own and every machine gets the same values. The mix is SplitMix32-style integer
 * hashing (Math.imul, 32-bit), which JavaScript evaluates identically everywhere.
 */

/** Seed used when `random_seed` is omitted, so a config without one is still reproducible. */
export const DEFAULT_RANDOM_SEED = 0;

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The generator's key for a seed: all of a safe integer counts, not only its low 32 bits. */
function seedKey(seed: number): number {
  const low = mix((seed | 0) ^ 0x9e3779b9);
  const high = Math.floor(seed / 2 ** 32);
  return high === 0 ? low : mix(low ^ mix((high | 0) ^ 0x7f4a7c15));
}

/** A value in [0, 1) for `row` under `seed` (an integer; rows up to 2^53). */
export function randomValue(seed: number, row: number): number {
  const hi = seedKey(seed);
  const a = mix(hi ^ mix(row >>> 0));
  const b = mix(a ^ 0x6a09e667 ^ Math.floor(row / 2 ** 32));
  // 53 random bits → a double in [0, 1).
  return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
}

/** RANDOM values of rows [start, end). */
export function randomColumn(seed: number, start: number, end: number): Float64Array {
  const out = new Float64Array(end - start);
  for (let row = start; row < end; row++) out[row - start] = randomValue(seed, row);
  return out;
}
