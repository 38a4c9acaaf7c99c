/**
 * Uncertainty of one probability vector over C classes, each rescaled to [0, 1] so that a one-hot vector
 * scores 0 and the uniform vector 1 (as the reference's classification scorer):
 *
 * - least confidence: `(1 − max p) · C / (C − 1)`
 * - margin: `1 − (p₁ − p₂)`, p₁ ≥ p₂ the two largest probabilities
 * - entropy: `−Σ p log p / log C` (0 log 0 = 0)
 *
 * With a single class (C = 1) there is no uncertainty: all three are 0. Results are clamped to [0, 1] so
 * that vectors summing to slightly more or less than 1 stay in range.
 */

export type UncertaintyScore = 'uncertainty_least_confidence' | 'uncertainty_margin' | 'uncertainty_entropy';

export const UNCERTAINTY_SCORES: readonly UncertaintyScore[] = ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'];

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

export function leastConfidence(p: ArrayLike<number>): number {
  const c = p.length;
  if (c < 2) return 0;
  let max = -Infinity;
  for (let i = 0; i < c; i++) if (p[i]! > max) max = p[i]!;
  return clamp01(((1 - max) * c) / (c - 1));
}

export function margin(p: ArrayLike<number>): number {
  const c = p.length;
  if (c < 2) return 0;
  let first = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < c; i++) {
    const v = p[i]!;
    if (v > first) {
      second = first;
      first = v;
    } else if (v > second) second = v;
  }
  return clamp01(1 - (first - second));
}

export function entropy(p: ArrayLike<number>): number {
  const c = p.length;
  if (c < 2) return 0;
  let h = 0;
  for (let i = 0; i < c; i++) {
    const v = p[i]!;
    if (v > 0) h -= v * Math.log(v);
  }
  return clamp01(h / Math.log(c));
}

export function uncertainty(name: UncertaintyScore, p: ArrayLike<number>): number {
  switch (name) {
    case 'uncertainty_least_confidence':
      return leastConfidence(p);
    case 'uncertainty_margin':
      return margin(p);
    case 'uncertainty_entropy':
      return entropy(p);
  }
}
