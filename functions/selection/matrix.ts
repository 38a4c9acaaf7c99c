/**
 * Embedding matrices whose rows lie in several blocks of the kernels' memory (more than one WebAssembly
 * memory holds: 10M rows of 128 float32 are 5.12 GB), and the few helpers that read any matrix row by
 * row without caring how it is stored.
 */
import { rowOf, type MatrixRows, type RowBlocks } from '../kernels/index.js';
import type { EmbeddingMatrix } from './types.js';

/** How many block matrices had their rows copied into one array (`data` read): the paths of the selection tasks make none. */
export const blockMatrixStats = { contiguousCopies: 0 };

/**
 * A matrix of `rows` × `dim` over rows in blocks. Its `data` — for a consumer that needs one array (not
 * on the selection tasks' paths at this size) — is a copy of every row, made once on first read and kept,
 * which doubles the matrix's memory.
 */
export function blockMatrix(rows: number, dim: number, blocks: RowBlocks): EmbeddingMatrix {
  let copy: Float32Array | undefined;
  return {
    rows,
    dim,
    blocks,
    get data(): Float32Array {
      if (!copy) {
        blockMatrixStats.contiguousCopies++;
        copy = new Float32Array(rows * dim);
        let offset = 0;
        for (const view of blocks.views) {
          copy.set(view, offset);
          offset += view.length;
        }
      }
      return copy;
    },
  };
}

/** A matrix over what an allocation gave: one array, or rows in blocks. */
export function embeddingMatrixOf(rows: number, dim: number, data: MatrixRows): EmbeddingMatrix {
  return data instanceof Float32Array ? { rows, dim, data } : blockMatrix(rows, dim, data);
}

/** The rows as the kernels take them: in blocks when the matrix has them, else its one array. */
export function kernelRows(matrix: EmbeddingMatrix): MatrixRows {
  return matrix.blocks ?? matrix.data;
}

/** Row `r` of the matrix: a view, never a copy. */
export function embeddingRow(matrix: EmbeddingMatrix, r: number): Float32Array {
  return rowOf(kernelRows(matrix), matrix.dim, r);
}

/** Whether the matrix holds exactly `rows × dim` values (checked without reading a block matrix's `data`). */
export function holdsAllRows(matrix: EmbeddingMatrix): boolean {
  if (!matrix.blocks) return matrix.data.length === matrix.rows * matrix.dim;
  let floats = 0;
  for (const view of matrix.blocks.views) floats += view.length;
  return floats === matrix.rows * matrix.dim;
}
