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
 * The rows are the lines of `embeddings.csv`. Without it, the rows are the file names named by the
 * metadata and prediction records, sorted. Every file name a record, tag or object embedding names must
 * be a row. Any malformed file raises a {@link FormatError} naming the file (as a path under the folder
 * argument), the line and the JSON path.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { corruptReason, ImageDecodeError } from '../ingest/errors.js';
import { computeImageMetadata, IMAGE_METADATA_SCHEMA } from '../ingest/imageMetadata.js';
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
  PredictionsFormatError,
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
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a directory`);
  const at = (rel: string) => join(dir, rel);

  // Embeddings.
  let embeddings: ParsedEmbeddings | undefined;
  if (existsSync(at('embeddings.csv'))) embeddings = await readEmbeddings(at('embeddings.csv'), false);

  // Records (read before the rows are known when there is no embeddings.csv).
  let schema: MetadataSchemaEntry[] = [];
  const metadataRecords: MetadataRecord[] = [];
  const taskSchemas: TaskSchema[] = [];
  const predictionRecords = new Map<string, PredictionRecord[]>();
  if (!options.embeddingsOnly) {
    const metadataDir = at('.lightly/metadata');
    if (existsSync(metadataDir)) {
      const schemaFile = join(metadataDir, 'schema.json');
      if (existsSync(schemaFile)) schema = parseMetadataSchema(readFileSync(schemaFile, 'utf8'), schemaFile);
      for (const file of recordFiles(metadataDir, 'metadata.jsonl')) {
        if (file === join(metadataDir, 'metadata.jsonl')) {
          for await (const { line, text } of readLines(file)) metadataRecords.push(parseMetadataLine(text, file, line));
        } else {
          metadataRecords.push(parseMetadataFile(readFileSync(file, 'utf8'), file));
        }
      }
      if (metadataRecords.length > 0 && !existsSync(schemaFile)) {
        throw new MetadataFormatError('missing_file', { file: schemaFile }, 'is missing: metadata records need a schema');
      }
    }
    const predictionsDir = at('.lightly/predictions');
    const tasksFile = join(predictionsDir, 'tasks.json');
    if (existsSync(tasksFile)) {
      for (const task of parseTasksJson(readFileSync(tasksFile, 'utf8'), tasksFile)) {
        const taskDir = join(predictionsDir, task);
        const schemaFile = join(taskDir, 'schema.json');
        if (!existsSync(schemaFile)) {
          throw new PredictionsFormatError('missing_file', { file: schemaFile }, `is missing: task "${task}" is listed in ${tasksFile}`);
        }
        const taskSchema = parseTaskSchema(readFileSync(schemaFile, 'utf8'), schemaFile, task);
        taskSchemas.push(taskSchema);
        const records: PredictionRecord[] = [];
        for (const file of recordFiles(taskDir, 'predictions.jsonl')) {
          if (file === join(taskDir, 'predictions.jsonl')) {
            for await (const { line, text } of readLines(file)) records.push(parsePredictionLine(text, file, line, taskSchema));
          } else {
            records.push(parsePredictionFile(readFileSync(file, 'utf8'), file, taskSchema));
          }
        }
        predictionRecords.set(task, records);
      }
    } else if (existsSync(predictionsDir) && readdirSync(predictionsDir).length > 0) {
      throw new PredictionsFormatError('missing_file', { file: tasksFile }, 'is missing: it lists the prediction tasks');
    }
  }

  // Rows.
  let fileNames: string[];
  if (embeddings) fileNames = embeddings.fileNames;
  else {
    const names = new Set<string>();
    for (const r of metadataRecords) names.add(r.fileName);
    for (const records of predictionRecords.values()) for (const r of records) names.add(r.fileName);
    fileNames = [...names].sort();
  }
  const rowIndex = new Map<string, number>();
  fileNames.forEach((name, row) => rowIndex.set(name, row));
  const rowOf = (name: string) => rowIndex.get(name);
  const rowCount = fileNames.length;

  const withImages = options.embeddingsOnly ? undefined : await withImageMetadata(buildMetadataTable(schema, metadataRecords, rowCount, rowOf), at('images'), dir, rowCount, rowOf);
  const metadata = withImages?.table;
  const tasks = new Map<string, TaskPredictions>();
  for (const taskSchema of taskSchemas) {
    tasks.set(taskSchema.name, buildTaskPredictions(taskSchema, predictionRecords.get(taskSchema.name) ?? [], rowCount, rowOf));
  }

  // Object embeddings.
  const objectEmbeddings = new Map<string, ObjectEmbeddingsData>();
  const objectsDir = at('embeddings');
  if (!options.embeddingsOnly && existsSync(objectsDir) && statSync(objectsDir).isDirectory()) {
    for (const entry of readdirSync(objectsDir).sort()) {
      if (!entry.endsWith('.csv')) continue;
      const task = entry.slice(0, -'.csv'.length);
      const parsed = await readEmbeddings(join(objectsDir, entry), true);
      const predictions = tasks.get(task);
      objectEmbeddings.set(task, buildObjectEmbeddings(parsed, rowOf, predictions ? (row) => predictions.rows[row]?.length : undefined));
    }
  }

  // Tags.
  const tags = new Map<string, Int32Array>();
  const tagsDir = at('.lightly/tags');
  if (existsSync(tagsDir)) {
    for (const entry of readdirSync(tagsDir).sort()) {
      if (!entry.endsWith('.txt')) continue;
      const file = join(tagsDir, entry);
      tags.set(entry.slice(0, -'.txt'.length), parseTagFile(readFileSync(file, 'utf8'), file, rowOf));
    }
  }

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
  imagesDir: string,
  dir: string,
  rows: number,
  rowOf: (name: string) => number | undefined,
): Promise<{ table: MetadataTable; corrupt: CorruptFolderSample[] }> {
  if (!existsSync(imagesDir) || !statSync(imagesDir).isDirectory()) return { table, corrupt: [] };
  const files = readdirSync(imagesDir, { recursive: true, encoding: 'utf8' }).filter((name) => statSync(join(imagesDir, name)).isFile());
  if (files.length === 0) return { table, corrupt: [] };
  const columns = new Map(IMAGE_METADATA_SCHEMA.map((field) => [field.name, new Float64Array(rows).fill(NaN)]));
  const corrupt: CorruptFolderSample[] = [];
  for (const name of files.sort()) {
    const fileName = name.split(sep).join('/');
    const path = relativeTo(dir, join(imagesDir, name));
    const row = rowOf(fileName);
    if (row === undefined) throw new MetadataFormatError('unknown_file', { file: path }, `is an image of '${fileName}', which is not a sample of the dataset`);
    const bytes = readFileSync(join(imagesDir, name));
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

async function readEmbeddings(file: string, objectLevel: boolean): Promise<ParsedEmbeddings> {
  const sink = new EmbeddingsAccumulator();
  await parseEmbeddingsCsvStream(createReadStream(file, { highWaterMark: STREAM_CHUNK }), file, { objectLevel }, sink);
  return sink.result(file);
}

/** Lines of a file with their 1-based numbers; blank lines skipped. */
async function* readLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: STREAM_CHUNK }), crlfDelay: Infinity });
  let line = 0;
  for await (let text of lines) {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim().length > 0) yield { line, text };
  }
}

/**
 * The record files of a folder: its bulk JSON-lines file (when present) first, then every `.json` below it
 * (recursively, sorted) except the top-level `schema.json`.
 */
function recordFiles(dir: string, bulkName: string): string[] {
  const out: string[] = [];
  if (existsSync(join(dir, bulkName))) out.push(join(dir, bulkName));
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (current === dir && entry.name === 'schema.json') continue;
      else if (entry.name.endsWith('.json')) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** The relative form of a path under a folder, with forward slashes. */
export function relativeTo(dir: string, path: string): string {
  return relative(dir, path).split(sep).join('/');
}

export { FormatError };
