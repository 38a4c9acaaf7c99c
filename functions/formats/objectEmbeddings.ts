/**
 * Object-level embeddings (`embeddings/<task>.csv`): rows named `<file_name>#<i>`, where `i` indexes the
 * file's `predictions` list in that task. Placing them on the dataset's rows checks that the file is in the
 * dataset and, when the task's predictions are known, that the file has a prediction `i`.
 */
import { splitObjectName, type ParsedEmbeddings } from './embeddingsCsv.js';
import { EmbeddingsFormatError } from './errors.js';

export interface ObjectEmbeddingsData {
  readonly dim: number;
  /** Raw values, row-major, one row per object. */
  readonly data: Float32Array;
  readonly sampleRow: Int32Array;
  readonly objectIndex: Int32Array;
}

/**
 * @param objectCountOf number of predictions of a row in the task, or undefined when the row has no
 *   prediction record; omit when the task has no predictions (indexes are then not checked).
 */
export function buildObjectEmbeddings(
  parsed: ParsedEmbeddings,
  rowOf: (fileName: string) => number | undefined,
  objectCountOf?: (row: number) => number | undefined,
): ObjectEmbeddingsData {
  const n = parsed.fileNames.length;
  const sampleRow = new Int32Array(n);
  const objectIndex = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    const { fileName, index } = splitObjectName(parsed.fileNames[v]!);
    const line = parsed.lines[v]!;
    const row = rowOf(fileName);
    if (row === undefined) {
      throw new EmbeddingsFormatError('unknown_file', { file: parsed.file, line }, `file ${JSON.stringify(fileName)} is not in the dataset`);
    }
    if (objectCountOf) {
      const count = objectCountOf(row);
      if (count === undefined) {
        throw new EmbeddingsFormatError('invalid_value', { file: parsed.file, line }, `file ${JSON.stringify(fileName)} has no predictions in this task, so it has no object ${index}`);
      }
      if (index >= count) {
        throw new EmbeddingsFormatError('invalid_value', { file: parsed.file, line }, `object ${index} of ${JSON.stringify(fileName)} does not exist: the file has ${count} predictions`);
      }
    }
    sampleRow[v] = row;
    objectIndex[v] = index;
  }
  return { dim: parsed.dim, data: parsed.data, sampleRow, objectIndex };
}
