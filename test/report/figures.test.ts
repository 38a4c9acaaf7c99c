/** The report's numeric pieces on data whose answer is known: PCA axes, histograms, categories, the projection sample. */
import { describe, expect, it } from 'vitest';
import { categoricalDistribution, numericHistogram } from '../../functions/report/distributions.js';
import { principalComponents2 } from '../../functions/report/pca.js';
import { samplePoolRows } from '../../functions/report/projection.js';

describe('principalComponents2', () => {
  it('finds the axes of an elongated cloud, the longest first', () => {
    // 3-D points spread 10 along (1,1,0)/√2, 2 along z, nearly nothing along (1,−1,0)/√2.
    const n = 400;
    const data = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = Math.sin(i * 1.7) * 10;
      const b = Math.cos(i * 0.9) * 2;
      const c = Math.sin(i * 3.1) * 0.01;
      data.set([(a + c) / Math.SQRT2 + 5, (a - c) / Math.SQRT2 - 3, b + 1], i * 3);
    }
    const { coordinates, explainedVariance } = principalComponents2(data, n, 3);
    expect(explainedVariance[0]).toBeGreaterThan(0.9);
    expect(explainedVariance[0] + explainedVariance[1]).toBeGreaterThan(0.999);
    // PC1 reproduces a (up to sign and centring), PC2 reproduces b.
    const correlation = (k: number, f: (i: number) => number) => {
      let sxy = 0, sxx = 0, syy = 0, mx = 0, my = 0;
      for (let i = 0; i < n; i++) { mx += coordinates[i * 2 + k]! / n; my += f(i) / n; }
      for (let i = 0; i < n; i++) {
        const x = coordinates[i * 2 + k]! - mx, y = f(i) - my;
        sxy += x * y; sxx += x * x; syy += y * y;
      }
      return Math.abs(sxy / Math.sqrt(sxx * syy));
    };
    expect(correlation(0, (i) => Math.sin(i * 1.7))).toBeGreaterThan(0.9999);
    expect(correlation(1, (i) => Math.cos(i * 0.9))).toBeGreaterThan(0.9999);
  });

  it('is deterministic', () => {
    const data = Float64Array.from({ length: 50 * 4 }, (_, i) => Math.sin(i * 0.37));
    expect(principalComponents2(data, 50, 4)).toEqual(principalComponents2(data, 50, 4));
  });
});

describe('pool-vs-picks distributions', () => {
  it('bins numbers over the pool range and counts missing values apart', () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, NaN, 100];
    const pool = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const { bins, missing } = numericHistogram(values, pool, [9, 0, 10], 3);
    expect(bins.map((b) => [b.from, b.to, b.pool, b.picks])).toEqual([
      [0, 3, 3, 1],
      [3, 6, 3, 0],
      [6, 9, 4, 1],
    ]);
    expect(missing).toEqual({ pool: 1, picks: 1 });
  });

  it('gives a single value one bin', () => {
    expect(numericHistogram([4, 4], Uint8Array.of(1, 1), [1], 20).bins).toEqual([{ from: 3.5, to: 4.5, pool: 2, picks: 1 }]);
  });

  it('orders categories by pool count and folds the tail into "(other)"', () => {
    const codes = Int32Array.from([0, 1, 1, 2, 2, 2, 3, -1]);
    const pool = new Uint8Array(8).fill(1);
    const { categories, missing } = categoricalDistribution(codes, ['a', 'b', 'c', 'd'], pool, [0, 3, 7], 3);
    expect(categories).toEqual([
      { name: 'c', pool: 3, picks: 1 },
      { name: 'b', pool: 2, picks: 0 },
      { name: '(other)', pool: 2, picks: 1 },
    ]);
    expect(missing).toEqual({ pool: 1, picks: 1 });
  });
});

describe('samplePoolRows', () => {
  const pool = new Uint8Array(100_000).fill(1);
  for (let row = 0; row < pool.length; row += 7) pool[row] = 0;
  const picked = new Set([1, 2, 3]);

  it('draws exactly the cap from the pool, never a pick, the same way every time', () => {
    const a = samplePoolRows(pool, picked, 2_000, 42);
    expect(a.rows).toHaveLength(2_000);
    expect(a.total).toBe(pool.reduce((n, v) => n + v, 0) - 3);
    expect(a.rows.every((row) => pool[row] === 1 && !picked.has(row))).toBe(true);
    expect(a.rows).toEqual([...a.rows].sort((x, y) => x - y));
    expect(samplePoolRows(pool, picked, 2_000, 42).rows).toEqual(a.rows);
    expect(samplePoolRows(pool, picked, 2_000, 43).rows).not.toEqual(a.rows);
    // Spread over the whole range, not the first rows.
    expect(a.rows[a.rows.length - 1]).toBeGreaterThan(90_000);
  });

  it('takes every row of a pool below the cap', () => {
    const small = Uint8Array.from([1, 0, 1, 1]);
    expect(samplePoolRows(small, new Set([3]), 10, 1)).toEqual({ rows: [0, 2], total: 2 });
  });
});
