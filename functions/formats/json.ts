/**
 * Small helpers for reading untrusted JSON values with errors that carry file, line and JSON path.
 */
import { jsonPathIndex, jsonPathKey, type FormatError, type FormatErrorCode } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

type ErrorClass = new (code: FormatErrorCode, location: { file: string; line?: number; path?: string }, reason: string) => FormatError;

/** Where a JSON value came from: its file, its line (JSON lines) and the error class to raise. */
export class JsonContext {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    private readonly errorClass: ErrorClass,
  ) {}

  error(code: FormatErrorCode, path: string | undefined, reason: string): FormatError {
    const location: { file: string; line?: number; path?: string } = { file: this.file };
    if (this.line !== undefined) location.line = this.line;
    if (path !== undefined) location.path = path;
    return new this.errorClass(code, location, reason);
  }

  fail(code: FormatErrorCode, path: string | undefined, reason: string): never {
    throw this.error(code, path, reason);
  }

  /** Parses JSON text; a syntax error names the line (within the file, or the JSON-lines line). */
  parse(text: string): JsonValue {
    try {
      return JSON.parse(text) as JsonValue;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (this.line !== undefined) throw this.error('json_syntax', undefined, `invalid JSON: ${reason}`);
      const position = /position (\d+)/.exec(reason);
      const offset = position ? Number(position[1]) : /end of JSON input/.test(reason) ? text.length : undefined;
      const ctx = offset !== undefined ? new JsonContext(this.file, lineOfOffset(text, offset), this.errorClass) : this;
      throw ctx.error('json_syntax', undefined, `invalid JSON: ${reason}`);
    }
  }

  object(value: JsonValue | undefined, path: string): JsonObject {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail('wrong_type', path, `must be an object, got ${describe(value)}`);
    return value;
  }

  array(value: JsonValue | undefined, path: string): JsonValue[] {
    if (!Array.isArray(value)) this.fail('wrong_type', path, `must be an array, got ${describe(value)}`);
    return value;
  }

  string(value: JsonValue | undefined, path: string, options: { nonEmpty?: boolean } = {}): string {
    if (typeof value !== 'string') this.fail('wrong_type', path, `must be a string, got ${describe(value)}`);
    if (options.nonEmpty && value.length === 0) this.fail('invalid_value', path, 'must not be empty');
    return value;
  }

  number(value: JsonValue | undefined, path: string): number {
    if (typeof value !== 'number') this.fail('wrong_type', path, `must be a number, got ${describe(value)}`);
    if (!Number.isFinite(value)) this.fail('not_finite', path, 'must be finite');
    return value;
  }

  integer(value: JsonValue | undefined, path: string): number {
    const n = this.number(value, path);
    if (!Number.isSafeInteger(n)) this.fail('wrong_type', path, `must be an integer, got ${n}`);
    return n;
  }

  boolean(value: JsonValue | undefined, path: string): boolean {
    if (typeof value !== 'boolean') this.fail('wrong_type', path, `must be a boolean, got ${describe(value)}`);
    return value;
  }

  /** Rejects keys outside `allowed`, and requires those in `required`. */
  keys(obj: JsonObject, path: string, allowed: readonly string[], required: readonly string[] = []): void {
    // for…in rather than Object.keys: no array per object (this runs for every record of a large file).
    for (const key in obj) {
      if (!allowed.includes(key)) {
        this.fail('unknown_field', jsonPathKey(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
      }
    }
    for (const key of required) {
      if (!(key in obj)) this.fail('missing_field', jsonPathKey(path, key), 'is required');
    }
  }
}

export { jsonPathIndex, jsonPathKey };

export function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return `${typeof value} ${String(value)}`;
}

export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Splits text into lines (LF or CRLF), with their 1-based numbers; blank lines are skipped. For JSON-lines
 * files and tag lists held in memory; streaming readers feed lines from their own splitter.
 */
export function* numberedLines(text: string): Generator<{ line: number; text: string }> {
  let start = 0;
  let line = 1;
  if (text.charCodeAt(0) === 0xfeff) start = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let lineText = text.slice(start, end);
    if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
    if (lineText.trim().length > 0) yield { line, text: lineText };
    line++;
    start = end + 1;
  }
}

/** A source of numbered lines: an in-memory text, or any iterable of lines (numbered from 1). */
export type LineSource = string | Iterable<string> | Iterable<{ line: number; text: string }>;

export function* toNumberedLines(source: LineSource): Generator<{ line: number; text: string }> {
  if (typeof source === 'string') {
    yield* numberedLines(source);
    return;
  }
  let line = 0;
  for (const item of source) {
    line++;
    if (typeof item === 'string') {
      const text = item.endsWith('\r') ? item.slice(0, -1) : item;
      if (text.trim().length > 0) yield { line, text: line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
    } else if (item.text.trim().length > 0) {
      yield item;
    }
  }
}
