/**
 * Pool-vs-picks distributions of one column: equal-width histograms for numbers, counts per category for
 * categories. One pass over the pool, one over the picks; nothing per row is kept.
 */

export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly pool: number;
  readonly picks: number;
}

export interface CategoryCounts {
  readonly name: string;
  readonly pool: number;
  readonly picks: number;
}

const OTHER_CATEGORIES = '(other)';
const MISSING = { pool: 0, picks: 0 };

/** Equal-width bins over the finite values of pool and picks; NaN counts as missing. */
export function numericHistogram(
  values: ArrayLike<number>,
  pool: Uint8Array,
  picked: readonly number[],
  binCount: number,
): { bins: HistogramBin[]; missing: { pool: number; picks: number } } {
  let lo = Infinity;
  let hi = -Infinity;
  const missing = { ...MISSING };
  for (let row = 0; row < pool.length; row++) {
    if (!pool[row]) continue;
    const v = values[row]!;
    if (!Number.isFinite(v)) {
      missing.pool++;
      continue;
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  for (const row of picked) if (!Number.isFinite(values[row]!)) missing.picks++;
  if (lo > hi) return { bins: [], missing };
  // A single value still gets one bin of width 1 around it, so the chart has something to draw.
  const bins = lo === hi ? 1 : binCount;
  const width = lo === hi ? 1 : (hi - lo) / bins;
  const start = lo === hi ? lo - 0.5 : lo;
  const poolCounts = new Array<number>(bins).fill(0);
  const pickCounts = new Array<number>(bins).fill(0);
  const binOf = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor((v - start) / width)));
  for (let row = 0; row < pool.length; row++) {
    const v = values[row]!;
    if (pool[row] && Number.isFinite(v)) poolCounts[binOf(v)]!++;
  }
  for (const row of picked) {
    const v = values[row]!;
    if (Number.isFinite(v)) pickCounts[binOf(v)]!++;
  }
  return {
    bins: poolCounts.map((count, i) => ({ from: start + i * width, to: start + (i + 1) * width, pool: count, picks: pickCounts[i]! })),
    missing,
  };
}

/** Counts per category (code −1 = missing); categories beyond the `cap` most frequent in the pool fold into "(other)". */
export function categoricalDistribution(
  codes: Int32Array,
  names: readonly string[],
  pool: Uint8Array,
  picked: readonly number[],
  cap: number,
): { categories: CategoryCounts[]; missing: { pool: number; picks: number } } {
  const poolCounts = new Float64Array(names.length);
  const pickCounts = new Float64Array(names.length);
  const missing = { ...MISSING };
  for (let row = 0; row < pool.length; row++) {
    if (!pool[row]) continue;
    const code = codes[row]!;
    if (code < 0) missing.pool++;
    else poolCounts[code]!++;
  }
  for (const row of picked) {
    const code = codes[row]!;
    if (code < 0) missing.picks++;
    else pickCounts[code]!++;
  }
  const present = names.map((name, code) => ({ name, pool: poolCounts[code]!, picks: pickCounts[code]! })).filter((c) => c.pool > 0 || c.picks > 0);
  present.sort((a, b) => b.pool - a.pool || b.picks - a.picks || a.name.localeCompare(b.name));
  if (present.length <= cap) return { categories: present, missing };
  const rest = present.slice(cap - 1);
  const other = { name: OTHER_CATEGORIES, pool: rest.reduce((n, c) => n + c.pool, 0), picks: rest.reduce((n, c) => n + c.picks, 0) };
  return { categories: [...present.slice(0, cap - 1), other], missing };
}
