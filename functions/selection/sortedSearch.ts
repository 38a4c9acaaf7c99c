/** Binary searches over ascending numbers (row starts of pieces, clusters' first positions, sorted rows). */

/** The index of the last of `sorted[0…count)` at or below `value` (0 when none is: the caller's first start is 0). */
export function lastAtOrBelow(sorted: ArrayLike<number>, value: number, count = sorted.length): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (sorted[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The first position p in [lo, hi) with sorted[p] ≥ value (hi when none). */
export function lowerBound(sorted: ArrayLike<number>, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
