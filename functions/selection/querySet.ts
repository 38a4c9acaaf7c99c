/** A query set built from a dataset's embeddings and a tag's rows: the one way both sources build it. */
import { embeddingRow } from './matrix.js';
import type { EmbeddingMatrix, QuerySet } from './types.js';

/**
 * The embeddings of `rows` (copied, in order) as a query set. `ownRowCount` is given when the rows are
 * of the dataset being selected from: the set then also marks them (`inQuerySet`) over its rows.
 */
export function querySetOfRows(matrix: EmbeddingMatrix, rows: ArrayLike<number>, ownRowCount?: number): QuerySet {
  const { dim } = matrix;
  const data = new Float32Array(rows.length * dim);
  for (let k = 0; k < rows.length; k++) data.set(embeddingRow(matrix, rows[k]!), k * dim);
  const embeddings = { rows: rows.length, dim, data };
  if (ownRowCount === undefined) return { embeddings };
  const inQuerySet = new Uint8Array(ownRowCount);
  for (let k = 0; k < rows.length; k++) inQuerySet[rows[k]!] = 1;
  return { embeddings, inQuerySet };
}
