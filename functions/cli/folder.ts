/**
 * Reads a Lightly-layout dataset folder into an in-memory selection source.
 *
 * ```
 * DIR/embeddings.csv                                 image embeddings; defines the rows (file order)
 * DIR/embeddings/<task>.csv                          object embeddings of a task (`<file>#<i>`)
 * DIR/.lightly/metadata/schema.json                  metadata schema
 * DIR/.lightly/metadata/metadata.jsonl               metadata records, one per line, and/or
 * DIR/.lightly/metadata/**\/*.json                    one record per file
 * DIR/.lightly/predictions/tasks.json                task names (tasks not listed are not read)
 * DIR/.lightly/predictions/<task>/schema.json        task type and categories
 * DIR/.lightly/predictions/<task>/predictions.jsonl  prediction records, and/or
 * DIR/.lightly/predictions/<task>/**\/*.json          one record per file
 * DIR/.lightly/tags/<tag>.txt                        a tag: one file name per line
 * DIR/images/<file name>                             images: their `lightly.*` metadata is computed, as the
 *                                                    server does on upload (same code); one that cannot be
 *                                                    decoded marks its sample corrupt (never selected)
 * ```
 *
 * Which file is what, and the rules between files (records need a schema, prediction files need
 * `tasks.json` and every listed task its schema, no files of unlisted tasks), are those of an upload's
 * commit: the same module reads both (ingest/lightlyFolder.ts). The rows are the lines of
 * `embeddings.csv`. Without it, the rows are the file names named by the metadata and prediction
 * records, sorted. Every file name a record, tag or object embedding names must
 * be a row. Any malformed file raises a {@link FormatError} naming the file (as a path under the folder
 * argument), the line and the JSON path.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { corruptReason, ImageDecodeError } from '../ingest/errors.js';
import { computeImageMetadata, IMAGE_METADATA_SCHEMA } from '../ingest/imageMetadata.js';
import { checkListedTasks, forEachRecord, lightlyFolderFiles, type FolderReader, type LightlyFolderFiles } from '../ingest/lightlyFolder.js';
import {
  buildMetadataTable,
  buildObjectEmbeddings,
  buildTaskPredictions,
  FormatError,
  MetadataFormatError,
  parseEmbeddingsCsvStream,
  parseMetadataFile,
  parseMetadataLine,
  parseMetadataSchema,
  parsePredictionFile,
  parsePredictionLine,
  parseTagFile,
  parseTasksJson,
  parseTaskSchema,
  EmbeddingsAccumulator,
  type MetadataRecord,
  type MetadataTable,
  type MetadataSchemaEntry,
  type ObjectEmbeddingsData,
  type ParsedEmbeddings,
  type PredictionRecord,
  type TaskPredictions,
  type TaskSchema,
} from '../formats/index.js';
import { createMemorySource, type MemorySource } from '../selection/memorySource.js';
import { listFolder } from './upload/scan.js';

export interface LoadFolderOptions {
  /** The dataset's id (query sets naming it refer to this dataset itself). */
  readonly id?: string;
  /** Read only embeddings and tags (a query dataset). */
  readonly embeddingsOnly?: boolean;
  readonly resolveDataset?: (datasetId: string) => MemorySource | undefined;
}

export interface LoadedFolder {
  readonly dir: string;
  readonly source: MemorySource;
  /** Samples whose image in `images/` cannot be decoded, by row. */
  readonly corruptSamples: readonly CorruptFolderSample[];
  /** What was read, for a summary line. */
  readonly counts: {
    readonly rows: number;
    readonly dim: number | undefined;
    readonly metadataKeys: number;
    readonly tasks: readonly string[];
    readonly objectEmbeddingTasks: readonly string[];
    readonly tags: readonly string[];
  };
}

const STREAM_CHUNK = 1 << 20;

export async function loadLightlyFolder(dir: string, options: LoadFolderOptions = {}): Promise<LoadedFolder> {
  const paths = listFolder(dir).map((file) => file.path);
  const reader = diskReader(dir);
  // A query dataset is read for its embeddings and tags only, whatever else its folder holds.
  const files = lightlyFolderFiles(options.embeddingsOnly ? paths.filter((path) => path === 'embeddings.csv') : paths, reader.name);
  const embeddings = files.embeddings ? await readEmbeddings(reader, files.embeddings, false) : undefined;
  const records = await readRecords(reader, files);
  const fileNames = embeddings ? embeddings.fileNames : namesOfRecords(records);
  const rowIndex = new Map<string, number>();
  fileNames.forEach((name, row) => rowIndex.set(name, row));
  const rowOf = (name: string) => rowIndex.get(name);
  const rowCount = fileNames.length;

  const withImages = options.embeddingsOnly ? undefined : await withImageMetadata(buildMetadataTable(records.schema, records.metadata, rowCount, rowOf), files.images, dir, rowCount, rowOf);
  const metadata = withImages?.table;
  const tasks = new Map<string, TaskPredictions>();
  for (const taskSchema of records.taskSchemas) {
    tasks.set(taskSchema.name, buildTaskPredictions(taskSchema, records.predictions.get(taskSchema.name) ?? [], rowCount, rowOf));
  }
  const objectEmbeddings = await readObjectEmbeddings(reader, files, tasks, rowOf);
  const tags = readTags(dir, paths, rowOf);

  const input: Parameters<typeof createMemorySource>[0] = {
    fileNames,
    tasks,
    objectEmbeddings,
    tags,
    ...(options.id !== undefined ? { id: options.id } : {}),
    ...(embeddings ? { embeddings: { dim: embeddings.dim, data: embeddings.data } } : {}),
    ...(metadata ? { metadata } : {}),
    ...(options.resolveDataset ? { resolveDataset: options.resolveDataset } : {}),
  };
  const source = createMemorySource(input);
  return {
    dir,
    source,
    corruptSamples: withImages?.corrupt ?? [],
    counts: {
      rows: rowCount,
      dim: embeddings?.dim,
      metadataKeys: metadata?.types.size ?? 0,
      tasks: [...tasks.keys()],
      objectEmbeddingTasks: [...objectEmbeddings.keys()],
      tags: [...tags.keys()],
    },
  };
}

/** A folder on disk as the layout reader reads it; errors name a file as a path under the folder argument. */
function diskReader(dir: string): FolderReader {
  return {
    name: (path) => join(dir, path),
    text: (path) => readFile(join(dir, path), 'utf8'),
    stream: (path) => Promise.resolve(createReadStream(join(dir, path), { highWaterMark: STREAM_CHUNK })),
  };
}

interface FolderRecords {
  readonly schema: MetadataSchemaEntry[];
  readonly metadata: MetadataRecord[];
  readonly taskSchemas: TaskSchema[];
  readonly predictions: Map<string, PredictionRecord[]>;
}

/** The metadata schema and records, and each listed task's schema and records. */
async function readRecords(reader: FolderReader, files: LightlyFolderFiles): Promise<FolderRecords> {
  const records: FolderRecords = { schema: [], metadata: [], taskSchemas: [], predictions: new Map() };
  if (files.metadataSchema) records.schema.push(...parseMetadataSchema(await reader.text(files.metadataSchema), reader.name(files.metadataSchema)));
  await forEachRecord(reader, files.metadataRecords, parseMetadataLine, parseMetadataFile, (record) => records.metadata.push(record));
  if (!files.tasksFile) return records;
  const listed = parseTasksJson(await reader.text(files.tasksFile), reader.name(files.tasksFile));
  checkListedTasks(files, listed, reader.name);
  for (const task of listed) {
    const schemaFile = files.taskSchemas.get(task)!;
    const schema = parseTaskSchema(await reader.text(schemaFile), reader.name(schemaFile), task);
    records.taskSchemas.push(schema);
    const predictions: PredictionRecord[] = [];
    await forEachRecord(
      reader,
      files.predictionRecords.get(task) ?? [],
      (text, file, line) => parsePredictionLine(text, file, line, schema),
      (text, file) => parsePredictionFile(text, file, schema),
      (record) => predictions.push(record),
    );
    records.predictions.set(task, predictions);
  }
  return records;
}

/** The rows of a folder without `embeddings.csv`: the file names its records name, sorted. */
function namesOfRecords(records: FolderRecords): string[] {
  const names = new Set<string>();
  for (const r of records.metadata) names.add(r.fileName);
  for (const list of records.predictions.values()) for (const r of list) names.add(r.fileName);
  return [...names].sort();
}

/** Each task's object embeddings (`embeddings/<task>.csv`), checked against its predictions when it has any. */
async function readObjectEmbeddings(
  reader: FolderReader,
  files: LightlyFolderFiles,
  tasks: ReadonlyMap<string, TaskPredictions>,
  rowOf: (name: string) => number | undefined,
): Promise<Map<string, ObjectEmbeddingsData>> {
  const objectEmbeddings = new Map<string, ObjectEmbeddingsData>();
  for (const { task, path } of files.objectEmbeddings) {
    const parsed = await readEmbeddings(reader, path, true);
    const predictions = tasks.get(task);
    objectEmbeddings.set(task, buildObjectEmbeddings(parsed, rowOf, predictions ? (row) => predictions.rows[row]?.length : undefined));
  }
  return objectEmbeddings;
}

/** The tags, `.lightly/tags/<tag>.txt` (not an upload file: a folder's own tags are read only here). */
function readTags(dir: string, paths: readonly string[], rowOf: (name: string) => number | undefined): Map<string, Int32Array> {
  const tags = new Map<string, Int32Array>();
  for (const path of paths) {
    const match = /^\.lightly\/tags\/([^/]+)\.txt$/.exec(path);
    if (!match) continue;
    const file = join(dir, path);
    tags.set(match[1]!, parseTagFile(readFileSync(file, 'utf8'), file, rowOf));
  }
  return tags;
}

/** A sample whose image cannot be decoded: kept, never selected. */
export interface CorruptFolderSample {
  readonly row: number;
  readonly fileName: string;
  readonly reason: string;
}

/**
 * Adds the `lightly.*` keys computed from `images/` (when the folder has one), exactly as an upload's
 * commit does: one numeric column per key, NaN for rows without an image or with one that cannot be
 * decoded — those are the corrupt samples, with the commit's reasons.
 */
async function withImageMetadata(
  table: MetadataTable,
  images: LightlyFolderFiles['images'],
  dir: string,
  rows: number,
  rowOf: (name: string) => number | undefined,
): Promise<{ table: MetadataTable; corrupt: CorruptFolderSample[] }> {
  if (images.length === 0) return { table, corrupt: [] };
  const columns = new Map(IMAGE_METADATA_SCHEMA.map((field) => [field.name, new Float64Array(rows).fill(NaN)]));
  const corrupt: CorruptFolderSample[] = [];
  for (const { fileName, path } of images) {
    const row = rowOf(fileName);
    if (row === undefined) throw new MetadataFormatError('unknown_file', { file: path }, `is an image of '${fileName}', which is not a sample of the dataset`);
    const bytes = readFileSync(join(dir, path));
    let values;
    try {
      values = await computeImageMetadata(bytes, path);
    } catch (error) {
      if (!(error instanceof ImageDecodeError)) throw error;
      corrupt.push({ row, fileName, reason: corruptReason(bytes, error) });
      continue;
    }
    for (const [key, column] of columns) column[row] = values[key];
  }
  const types = new Map(table.types);
  const merged = new Map(table.columns);
  for (const field of IMAGE_METADATA_SCHEMA) {
    types.set(field.name, field.valueDataType);
    merged.set(field.name, { kind: 'numeric', values: columns.get(field.name)! });
  }
  return { table: { types, columns: merged }, corrupt: corrupt.sort((a, b) => a.row - b.row) };
}

async function readEmbeddings(reader: FolderReader, path: string, objectLevel: boolean): Promise<ParsedEmbeddings> {
  const sink = new EmbeddingsAccumulator();
  const file = reader.name(path);
  await parseEmbeddingsCsvStream(await reader.stream(path), file, { objectLevel }, sink);
  return sink.result(file);
}

export { FormatError };
