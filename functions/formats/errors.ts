/**
 * Errors of the Lightly-format parsers. Every error names the file it was found in, the 1-based line when
 * the file is line-oriented (CSV, JSON lines, tag lists), the JSON path of the fault inside a JSON value
 * (`$.predictions[2].category_id`) when there is one, and a message for a human. `message` is the whole
 * thing formatted as `file:line: path: reason`, so printing it is enough.
 *
 * The classes repeat one shape on purpose (a class per fault, its `name` set): callers tell faults apart
 * by class or by `name` (Step Functions, GraphQL codes), which a shared factory would hide from tsc.
 */

/** Stable machine-readable reason codes. */
export type FormatErrorCode =
  | 'header'
  | 'column_count'
  | 'malformed_line'
  | 'not_a_number'
  | 'not_finite'
  | 'duplicate_file'
  | 'unknown_file'
  | 'empty_file'
  | 'missing_file'
  | 'json_syntax'
  | 'wrong_type'
  | 'missing_field'
  | 'unknown_field'
  | 'invalid_value'
  | 'unknown_category'
  | 'duplicate_entry'
  | 'unknown_task';

export interface FormatErrorLocation {
  /** The file, as a path relative to the dataset folder where possible. */
  readonly file: string;
  /** 1-based line number, for line-oriented files. */
  readonly line?: number;
  /** JSON path of the fault inside the file's (or line's) JSON value, starting with `$`. */
  readonly path?: string;
}

export class FormatError extends Error {
  override name = 'FormatError';
  readonly file: string;
  readonly line: number | undefined;
  readonly path: string | undefined;
  /** The reason alone, without the location. */
  readonly reason: string;

  constructor(
    readonly code: FormatErrorCode,
    location: FormatErrorLocation,
    reason: string,
  ) {
    super(formatLocation(location) + reason);
    this.file = location.file;
    this.line = location.line;
    this.path = location.path;
    this.reason = reason;
  }
}

/** An embeddings CSV (`embeddings.csv` or an object-level `embeddings/<task>.csv`) is malformed. */
export class EmbeddingsFormatError extends FormatError {
  override name = 'EmbeddingsFormatError';
}

/** `.lightly/metadata/schema.json`, a per-file metadata JSON or `metadata.jsonl` is malformed. */
export class MetadataFormatError extends FormatError {
  override name = 'MetadataFormatError';
}

/** `tasks.json`, a task's `schema.json`, a per-file predictions JSON or `predictions.jsonl` is malformed. */
export class PredictionsFormatError extends FormatError {
  override name = 'PredictionsFormatError';
}

/** A tag file (`.lightly/tags/<tag>.txt`) is malformed or names a file that is not in the dataset. */
export class TagFormatError extends FormatError {
  override name = 'TagFormatError';
}

export function formatLocation(location: FormatErrorLocation): string {
  let text = location.file;
  if (location.line !== undefined) text += `:${location.line}`;
  text += ': ';
  if (location.path !== undefined && location.path !== '$') text += `${location.path}: `;
  return text;
}

/** Appends a key to a JSON path, quoting it when it is not a plain identifier. */
export function jsonPathKey(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export function jsonPathIndex(path: string, index: number): string {
  return `${path}[${index}]`;
}
