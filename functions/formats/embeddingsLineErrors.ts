/** The errors of an embeddings CSV file's lines, each naming the file, the line and the column. */
import { EmbeddingsFormatError } from './errors.js';
import { COMMA, Role } from './embeddingsCsvNumbers.js';

type ParserErrorCode = 'header' | 'column_count' | 'malformed_line' | 'not_a_number' | 'not_finite' | 'duplicate_file' | 'empty_file' | 'invalid_value';

/** Makes the errors of one file; a column is named from the header once {@link columns} is set. */
export class EmbeddingsLineErrors {
  /** The header's columns, to name a column in a message. */
  columns: readonly string[] = [];

  constructor(readonly file: string) {}

  /** An error at `line` (or about the whole file when undefined). */
  at(code: ParserErrorCode, line: number | undefined, reason: string): EmbeddingsFormatError {
    return line === undefined
      ? new EmbeddingsFormatError(code, { file: this.file }, reason)
      : new EmbeddingsFormatError(code, { file: this.file, line }, reason);
  }

  /**
   * A value must survive the cast to its storage type: an embedding value beyond float32's range would
   * become ±Infinity (and NaN once normalized), silently unpickable, so it is an error here; one below
   * float32's smallest step becomes ±0, as any reader of float32 embeddings would have it. A label is an
   * int32. The field is `b`[start, end), the column 1-based.
   */
  checkRange(role: Role, v: number, b: Buffer, start: number, end: number, column: number, line: number): void {
    const name = this.columns[column - 1];
    if (!Number.isFinite(v)) throw this.at('not_finite', line, `column ${column} (${name}): ${b.toString('utf8', start, end).trim()} is out of range`);
    if (role === Role.Embedding && !Number.isFinite(Math.fround(v))) {
      throw this.at('not_finite', line, `column ${column} (${name}): ${b.toString('utf8', start, end).trim()} is out of range for float32, the type embeddings are kept in (largest magnitude 3.4028235e38)`);
    }
    if (role === Role.Label && Number.isInteger(v) && (v < -0x80000000 || v > 0x7fffffff)) {
      throw this.at('invalid_value', line, `column ${column} (${name}): ${b.toString('utf8', start, end).trim()} is out of range for a label (a 32-bit integer, -2147483648…2147483647)`);
    }
  }

  /** The line has too few or too many fields. */
  columnCount(b: Buffer, start: number, end: number, expected: number, line: number): EmbeddingsFormatError {
    let found = 1;
    for (let i = start; i < end; i++) if (b[i] === COMMA) found++;
    return this.at('column_count', line, `expected ${expected} columns, found ${found}`);
  }

  /** The field at `fieldStart` does not hold a number. */
  badNumber(b: Buffer, fieldStart: number, end: number, column: number, line: number): EmbeddingsFormatError {
    let fieldEnd = fieldStart;
    while (fieldEnd < end && b[fieldEnd] !== COMMA) fieldEnd++;
    const field = b.toString('utf8', fieldStart, fieldEnd).trim();
    const name = this.columns[column - 1];
    if (/^[+-]?(nan|inf|infinity)$/i.test(field)) {
      return this.at('not_finite', line, `column ${column} (${name}): ${field} is not a finite number`);
    }
    return this.at('not_a_number', line, `column ${column} (${name}): ${JSON.stringify(field)} is not a number`);
  }

  /** The number in the field at `fieldStart` is followed by more than spaces. */
  trailingText(b: Buffer, fieldStart: number, end: number, column: number, line: number): EmbeddingsFormatError {
    let fieldEnd = fieldStart;
    while (fieldEnd < end && b[fieldEnd] !== COMMA) fieldEnd++;
    return this.at('not_a_number', line, `column ${column} (${this.columns[column - 1]}): ${JSON.stringify(b.toString('utf8', fieldStart, fieldEnd))} is not a number`);
  }
}
