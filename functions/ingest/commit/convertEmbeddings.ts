/**
 * The embeddings of an upload: `embeddings.csv` (which fixes the rows the upload adds) streamed into
 * shards, its file names checked against the dataset's, and each task's object embeddings.
 */
import type { BlobStore } from '../../store/blobs.js';
import { ColumnReader, type DatasetManifest, type TaskManifest } from '../../store/columns.js';
import { mapLimit } from '../../store/mapLimit.js';
import { buildObjectEmbeddings, EmbeddingsAccumulator, EmbeddingsCsvParser, EmbeddingsFormatError, parseEmbeddingsCsvStream } from '../../formats/index.js';
import { normalizeRows } from '../../selection/memorySource.js';
import { UploadValidationError } from '../errors.js';
import type { ShardWriter } from '../shardWriter.js';
import type { ConversionStep } from './step.js';
import type { UploadReader } from './uploadFiles.js';

/** The dataset's file-name shards read at once when checking an upload's names against them. */
const NAME_SHARDS_IN_FLIGHT = 4;

/**
 * Streams `embeddings.csv` through the byte-level parser into shards. `startWriter` is called with the
 * dimension once the header is read (which must match the dataset's), and returns the writer the rows go to.
 */
export async function streamEmbeddings(reader: UploadReader, manifest: DatasetManifest, startWriter: (dim: number) => ShardWriter): Promise<{ parser: EmbeddingsCsvParser; writer: ShardWriter }> {
  const file = 'embeddings.csv';
  const stream = await reader.stream(file);
  let writer: ShardWriter | undefined;
  const parser = new EmbeddingsCsvParser(file, {
    header: ({ dim }) => {
      if (manifest.embeddingDimension > 0 && dim !== manifest.embeddingDimension) {
        throw new EmbeddingsFormatError('header', { file, line: 1 }, `has ${dim} embedding columns, but the dataset's embeddings have ${manifest.embeddingDimension}`);
      }
      writer = startWriter(dim);
    },
    row: (fileName, values) => writer!.add(fileName, values),
    rows: (fileNames, values) => writer!.addRows(fileNames, values),
  });
  // The parser takes the body's chunks as they come (bytes, any boundaries); waiting on the writer
  // between chunks keeps the reading from running ahead of the shard uploads.
  for await (const chunk of stream) {
    parser.write(chunk);
    await writer?.drain();
  }
  const { rows } = parser.end();
  if (rows === 0) throw new EmbeddingsFormatError('empty_file', { file }, 'has a header but no samples');
  await writer!.finishEmbeddings();
  return { parser, writer: writer! };
}

/**
 * No file name of the upload may be in the dataset. The dataset's names are read a shard at a time
 * and looked up among the upload's (which the parser indexes anyway), so memory follows the upload
 * and not the dataset: a set of a 10M-row dataset's names would be a gigabyte. The error names the
 * upload's first such line.
 */
export async function checkNewNames(blobs: BlobStore, manifest: DatasetManifest, parser: EmbeddingsCsvParser): Promise<void> {
  const reader = new ColumnReader(blobs, manifest);
  let first: { fileName: string; line: number } | undefined;
  await mapLimit(manifest.shards, NAME_SHARDS_IN_FLIGHT, async (shard) => {
    for (const fileName of await reader.fileNames(shard)) {
      const row = parser.rowOf(fileName);
      if (row === undefined) continue;
      const line = parser.lineOf(row);
      if (!first || line < first.line) first = { fileName, line };
    }
  });
  if (first) throw new EmbeddingsFormatError('duplicate_file', { file: 'embeddings.csv', line: first.line }, `file ${JSON.stringify(first.fileName)} is already in the dataset`);
}

/**
 * Each `embeddings/<task>.csv`: object-level embeddings of a task the dataset has, one per prediction
 * (`objectCounts`: this upload's predictions per row, -1 where a row has no record).
 */
export async function convertObjectEmbeddings(step: ConversionStep, tasks: Record<string, TaskManifest>, objectCounts: ReadonlyMap<string, Int32Array>): Promise<void> {
  const { reader, writer, rowOf } = step;
  for (const { task, path } of step.files.objectEmbeddings) {
    if (!tasks[task]) throw new UploadValidationError(`object embeddings for task '${task}', which the dataset does not have`, { file: path });
    const sink = new EmbeddingsAccumulator();
    await parseEmbeddingsCsvStream(await reader.stream(path), path, { objectLevel: true }, sink);
    const counts = objectCounts.get(task);
    const objects = buildObjectEmbeddings(sink.result(path), rowOf, counts ? (row) => (counts[row]! < 0 ? undefined : counts[row]) : undefined);
    const sampleRow = objects.sampleRow.map((row) => row + writer.rowStart);
    await writer.addObjectColumns(task, sampleRow, {
      embeddings: { values: normalizeRows(objects.data, objects.dim), width: objects.dim },
      sampleRow: { values: sampleRow, width: 1 },
      objectIndex: { values: objects.objectIndex, width: 1 },
    });
    tasks[task] = { ...tasks[task], objectEmbeddings: true, objectDim: objects.dim };
  }
}
