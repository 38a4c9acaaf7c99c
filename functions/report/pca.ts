/**
 * The two leading principal components of a small row-major matrix, by block power (subspace) iteration
 * on the centred data: each step is X^T (X V), O(n·d), never the d × d covariance.
 *
 * Hand-written on purpose: ml-pca (the JavaScript library of the field) fits n = 3,000 samples in
 * 0.84 s at d = 128 and 16.7 s at d = 512 with its covariance method (its NIPALS took 10 s at d = 128),
 * because it decomposes the whole d × d covariance. The report needs two components of up to ~3,000
 * rows of embeddings of any width inside the Select Lambda; this needs at most 100 steps of O(n·d):
 * for n = 3,000 with nearly equal second and third variances (the slow case) 0.4–0.8 s at d = 128 and
 * 2–3.5 s at d = 768 on this project's 2-core machine (`npm run bench -- report`).
 */

export interface PrincipalComponents {
  /** n × 2 coordinates, row-major. */
  readonly coordinates: Float64Array;
  /** Share of the total variance along each component. */
  readonly explainedVariance: [number, number];
}

// A picture, not a decomposition: axes that stop moving at 1e-6 are as good as exact ones, and where the
// second and third variances are nearly equal any axis between them draws the same cloud.
const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-6;

/** Makes the two columns of `v` (d × 2, row-major) orthonormal; a vanished column is replaced by a unit axis. */
function orthonormalise(v: Float64Array, d: number): void {
  for (let c = 0; c < 2; c++) {
    if (c === 1) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += v[j * 2]! * v[j * 2 + 1]!;
      for (let j = 0; j < d; j++) v[j * 2 + 1]! -= dot * v[j * 2]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += v[j * 2 + c]! ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-300) {
      for (let j = 0; j < d; j++) v[j * 2 + c] = j === c ? 1 : 0;
      if (c === 1) orthonormalise(v, d);
      continue;
    }
    for (let j = 0; j < d; j++) v[j * 2 + c]! /= norm;
  }
}

export function principalComponents2(data: ArrayLike<number>, n: number, d: number): PrincipalComponents {
  const x = new Float64Array(n * d);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(1, n);
  let totalVariance = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const value = data[i * d + j]! - mean[j]!;
      x[i * d + j] = value;
      totalVariance += value * value;
    }
  }
  // A fixed, data-independent start: the same input always gives the same axes.
  const v = new Float64Array(d * 2);
  for (let j = 0; j < d; j++) {
    v[j * 2] = 1 + ((j * 7919) % 13) / 13;
    v[j * 2 + 1] = ((j * 104729) % 17) / 17 - 0.5;
  }
  orthonormalise(v, d);
  const xv = new Float64Array(n * 2);
  const next = new Float64Array(d * 2);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    xv.fill(0);
    for (let i = 0; i < n; i++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < d; j++) {
        const value = x[i * d + j]!;
        a += value * v[j * 2]!;
        b += value * v[j * 2 + 1]!;
      }
      xv[i * 2] = a;
      xv[i * 2 + 1] = b;
    }
    next.fill(0);
    for (let i = 0; i < n; i++) {
      const a = xv[i * 2]!;
      const b = xv[i * 2 + 1]!;
      for (let j = 0; j < d; j++) {
        const value = x[i * d + j]!;
        next[j * 2]! += value * a;
        next[j * 2 + 1]! += value * b;
      }
    }
    orthonormalise(next, d);
    let change = 0;
    for (let k = 0; k < d * 2; k++) change = Math.max(change, Math.abs(Math.abs(next[k]!) - Math.abs(v[k]!)));
    v.set(next);
    if (change < TOLERANCE) break;
  }
  // Order the two axes by the variance they carry, and fix each axis' sign (largest |loading| positive).
  const coordinates = new Float64Array(n * 2);
  const variance: [number, number] = [0, 0];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[i * d + j]! * v[j * 2 + c]!;
      coordinates[i * 2 + c] = s;
      variance[c as 0 | 1] += s * s;
    }
  }
  const sign = [1, 1];
  for (let c = 0; c < 2; c++) {
    let best = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j * 2 + c]!) > Math.abs(best)) best = v[j * 2 + c]!;
    sign[c] = best < 0 ? -1 : 1;
  }
  const order = variance[1] > variance[0] ? [1, 0] : [0, 1];
  const ordered = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) ordered[i * 2 + c] = coordinates[i * 2 + order[c]!]! * sign[order[c]!]!;
  const share = (c: number) => (totalVariance > 0 ? variance[order[c]!]! / totalVariance : 0);
  return { coordinates: ordered, explainedVariance: [share(0), share(1)] };
}
