/**
 * An orthonormal basis of the `k` principal directions of a matrix's rows, for the k-center projection
 * bound (wasm/simd.as, `kcenterUpdate` with a projection): |x − c|² ≥ |Px − Pc|² holds for any orthonormal P; the
 * principal directions make the bound tight where the data spreads most, so it prunes most.
 *
 * Covariance of an evenly spaced sample (float64), then subspace iteration (multiply, re-orthonormalise
 * by modified Gram–Schmidt, twice for float64 orthonormality): a handful of rounds gives directions good
 * enough to prune with — they need not be exact eigenvectors, only orthonormal. Deterministic: the start
 * is the identity's first columns. When `dim ≤ k` the basis is the identity (the bound is then exact).
 */
export function principalBasis(data: Float32Array, dim: number, rows: number, k: number, sampleRows = 8192, rounds = 12): Float32Array {
  const basis = new Float32Array(k * dim);
  if (dim <= k || rows < 2) {
    for (let t = 0; t < Math.min(k, dim); t++) basis[t * dim + t] = 1;
    return basis;
  }
  const n = Math.min(rows, sampleRows);
  const mean = new Float64Array(dim);
  const rowAt = (s: number) => Math.floor((s * rows) / n) * dim;
  for (let s = 0; s < n; s++) {
    const o = rowAt(s);
    for (let d = 0; d < dim; d++) mean[d]! += data[o + d]!;
  }
  for (let d = 0; d < dim; d++) mean[d]! /= n;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let s = 0; s < n; s++) {
    const o = rowAt(s);
    for (let d = 0; d < dim; d++) centred[d] = data[o + d]! - mean[d]!;
    for (let a = 0; a < dim; a++) {
      const v = centred[a]!;
      if (v === 0) continue;
      const row = a * dim;
      for (let b = a; b < dim; b++) cov[row + b]! += v * centred[b]!;
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a]!;
  // q: k column vectors of length dim, stored row-wise (q[t·dim + d]).
  let q = new Float64Array(k * dim);
  for (let t = 0; t < k; t++) q[t * dim + t] = 1;
  for (let round = 0; round < rounds; round++) {
    const z = new Float64Array(k * dim);
    for (let t = 0; t < k; t++) {
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += cov[a * dim + b]! * q[t * dim + b]!;
        z[t * dim + a] = s;
      }
    }
    orthonormalise(z, k, dim);
    orthonormalise(z, k, dim);
    q = z;
  }
  for (let i = 0; i < k * dim; i++) basis[i] = q[i]!;
  return basis;
}

/** Modified Gram–Schmidt over the k rows of `v` (each of length dim); a vanishing row becomes a unit axis orthogonal to the rest. */
function orthonormalise(v: Float64Array, k: number, dim: number): void {
  for (let t = 0; t < k; t++) {
    const o = t * dim;
    for (let attempt = 0; attempt <= dim; attempt++) {
      for (let u = 0; u < t; u++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += v[o + d]! * v[u * dim + d]!;
        for (let d = 0; d < dim; d++) v[o + d]! -= s * v[u * dim + d]!;
      }
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += v[o + d]! * v[o + d]!;
      norm = Math.sqrt(norm);
      if (norm > 1e-12) {
        for (let d = 0; d < dim; d++) v[o + d]! /= norm;
        break;
      }
      // Degenerate (rank-deficient data): restart this row from an axis and orthogonalise again.
      v.fill(0, o, o + dim);
      v[o + ((t + attempt) % dim)] = 1;
    }
  }
}
