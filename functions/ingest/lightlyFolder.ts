/**
 * The one reading of a Lightly-layout folder, for both places that read one: the commit of an upload
 * (files in S3) and the CLI's offline selection (files on disk). Which path is what comes from
 * {@link classifyUploadPath}; this module adds the rules between files, in one place:
 *
 * - metadata records need `.lightly/metadata/schema.json`;
 * - prediction files need `.lightly/predictions/tasks.json`; every listed task needs its `schema.json`,
 *   and a file of a task that is not listed is refused;
 * - record files are read bulk JSON-lines file first, then the per-file JSONs in path order.
 *
 * Errors are {@link FormatError}s naming the file as the reader names it (a layout path in an upload, a
 * path under the folder argument in the CLI).
 */
import { MetadataFormatError, PredictionsFormatError } from '../formats/index.js';
import { mapLimit } from '../store/mapLimit.js';
import { classifyUploadPath } from './layout.js';
import { forEachLine } from './lines.js';

/** A file of records: a JSON-lines file (one record a line) or a per-file JSON (one record). */
export interface RecordFile {
  readonly path: string;
  readonly lines: boolean;
}

/** A folder's layout files by what they are, paths in reading order. */
export interface LightlyFolderFiles {
  readonly embeddings: string | undefined;
  /** `embeddings/<task>.csv`, by task. */
  readonly objectEmbeddings: readonly { readonly task: string; readonly path: string }[];
  readonly metadataSchema: string | undefined;
  readonly metadataRecords: readonly RecordFile[];
  readonly tasksFile: string | undefined;
  /** Each task's `schema.json`, by task (listed or not: see {@link checkListedTasks}). */
  readonly taskSchemas: ReadonlyMap<string, string>;
  readonly predictionRecords: ReadonlyMap<string, readonly RecordFile[]>;
  /** `images/<file name>`. */
  readonly images: readonly { readonly fileName: string; readonly path: string }[];
  /** Paths that are no upload file (tags, stray files): the caller decides. */
  readonly other: readonly string[];
}

export const METADATA_SCHEMA_PATH = '.lightly/metadata/schema.json';
export const TASKS_PATH = '.lightly/predictions/tasks.json';

/**
 * Sorts a folder's paths (layout paths, `/`-separated) by what they are and checks the rules that need
 * no file's content. `name` is how a path is named in errors.
 */
export function lightlyFolderFiles(paths: Iterable<string>, name: (path: string) => string = (path) => path): LightlyFolderFiles {
  const files = {
    embeddings: undefined as string | undefined,
    objectEmbeddings: [] as { task: string; path: string }[],
    metadataSchema: undefined as string | undefined,
    metadataRecords: [] as RecordFile[],
    tasksFile: undefined as string | undefined,
    taskSchemas: new Map<string, string>(),
    predictionRecords: new Map<string, RecordFile[]>(),
    images: [] as { fileName: string; path: string }[],
    other: [] as string[],
  };
  const recordsOf = (task: string) => files.predictionRecords.get(task) ?? files.predictionRecords.set(task, []).get(task)!;
  for (const path of [...paths].sort(byCodePoint)) {
    const kind = classifyUploadPath(path);
    if ('error' in kind) files.other.push(path);
    else if (kind.kind === 'embeddings') files.embeddings = path;
    else if (kind.kind === 'objectEmbeddings') files.objectEmbeddings.push({ task: kind.task, path });
    else if (kind.kind === 'metadataSchema') files.metadataSchema = path;
    else if (kind.kind === 'metadataJsonl') files.metadataRecords.unshift({ path, lines: true });
    else if (kind.kind === 'metadataFile') files.metadataRecords.push({ path, lines: false });
    else if (kind.kind === 'tasks') files.tasksFile = path;
    else if (kind.kind === 'taskSchema') files.taskSchemas.set(kind.task, path);
    else if (kind.kind === 'predictionsJsonl') recordsOf(kind.task).unshift({ path, lines: true });
    else if (kind.kind === 'predictionsFile') recordsOf(kind.task).push({ path, lines: false });
    else files.images.push({ fileName: kind.fileName, path });
  }
  if (files.metadataRecords.length > 0 && !files.metadataSchema) {
    throw new MetadataFormatError('missing_file', { file: name(METADATA_SCHEMA_PATH) }, 'is missing: metadata records need a schema');
  }
  if (!files.tasksFile && (files.taskSchemas.size > 0 || files.predictionRecords.size > 0)) {
    throw new PredictionsFormatError('missing_file', { file: name(TASKS_PATH) }, 'is missing: it lists the prediction tasks');
  }
  return files;
}

/** The rules between `tasks.json`'s list and the task files: each listed task has a schema, no other task has files. */
export function checkListedTasks(files: LightlyFolderFiles, listed: readonly string[], name: (path: string) => string = (path) => path): void {
  const tasksFile = name(files.tasksFile ?? TASKS_PATH);
  for (const task of listed) {
    if (!files.taskSchemas.has(task)) {
      throw new PredictionsFormatError('missing_file', { file: name(`.lightly/predictions/${task}/schema.json`) }, `is missing: task "${task}" is listed in ${tasksFile}`);
    }
  }
  const known = new Set(listed);
  for (const [task, path] of [...files.taskSchemas, ...[...files.predictionRecords].map(([t, records]) => [t, records[0]!.path] as const)]) {
    if (!known.has(task)) throw new PredictionsFormatError('unknown_task', { file: name(path) }, `is a file of task "${task}", which ${tasksFile} does not list`);
  }
}

/** Where a folder's files are read from: S3 for an upload, the disk for the CLI. */
export interface FolderReader {
  /** How a layout path is named in errors. */
  name(path: string): string;
  text(path: string): Promise<string>;
  /** The file's bytes as they come (any chunk boundaries). */
  stream(path: string): Promise<AsyncIterable<Uint8Array>>;
}

/** Per-file JSONs fetched with at most this many reads in flight. */
const FETCH_CONCURRENCY = 16;
/** Per-file JSONs are fetched this many at a time, so that only a batch of them is held. */
const FILE_BATCH = FETCH_CONCURRENCY * 16;

/**
 * Parses record files in order: JSON-lines files streamed line by line, per-file JSONs fetched a batch
 * at a time; each record goes to `onRecord` and is not kept. Parsers are given the file's error name.
 */
export async function forEachRecord<R>(
  reader: FolderReader,
  files: readonly RecordFile[],
  parseLine: (text: string, file: string, line: number) => R,
  parseFile: (text: string, file: string) => R,
  onRecord: (record: R) => void,
): Promise<void> {
  for (let i = 0; i < files.length; ) {
    const file = files[i]!;
    if (file.lines) {
      const name = reader.name(file.path);
      await forEachLine(await reader.stream(file.path), (text, line) => onRecord(parseLine(text, name, line)));
      i++;
      continue;
    }
    let end = i;
    while (end < files.length && end - i < FILE_BATCH && !files[end]!.lines) end++;
    const batch = files.slice(i, end);
    const texts = await mapLimit(batch, FETCH_CONCURRENCY, (f) => reader.text(f.path));
    batch.forEach((f, k) => onRecord(parseFile(texts[k]!, reader.name(f.path))));
    i = end;
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
