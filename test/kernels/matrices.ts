/** Seeded float32 matrices for the kernel tests and the kernel benchmark. */
import { rng } from '../../bench/support/rng.js';

function normaliseRows(data: Float32Array, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += data[r * dim + d]! ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) data[r * dim + d]! *= inv;
  }
}

/** Standard normal values (Box–Muller) from a uniform generator. */
function normals(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** L2-normalised Gaussian rows: no structure, the hard case for anything approximate. */
export function gaussianMatrix(seed: number, rows: number, dim: number): Float32Array {
  const normal = normals(rng(seed));
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = normal();
  normaliseRows(data, rows, dim);
  return data;
}

/**
 * L2-normalised rows around `clusters` random centres (Gaussian noise of `spread` per coordinate relative
 * to a unit centre), rows in random cluster order.
 */
export function clusteredMatrix(seed: number, rows: number, dim: number, clusters: number, spread: number): Float32Array {
  const random = rng(seed);
  const normal = normals(random);
  const centres = gaussianMatrix(seed + 1, clusters, dim);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(random() * clusters);
    for (let d = 0; d < dim; d++) data[r * dim + d] = centres[c * dim + d]! + spread * normal();
  }
  normaliseRows(data, rows, dim);
  return data;
}
