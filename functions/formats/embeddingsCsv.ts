/**
 * The Lightly embeddings CSV: `filenames,embedding_0,…,embedding_{D-1},labels`, one sample per line.
 *
 * Conventions (the reference writes these files with Python's `csv` module):
 * - The first line is the header. `filenames` must be the first column and `embedding_0 … embedding_{D-1}`
 *   must follow it, contiguous and in order (D ≥ 1). `labels` is required; `masked` and `selected` may
 *   appear after the embedding columns and are ignored. Any other column, or a repeated one, is a header
 *   error.
 * - A file name may be quoted (`"a,b.png"`, `""` for a quote inside); numeric fields are not quoted.
 *   Spaces around numbers are allowed. `labels` must be an integer; `masked`/`selected` are not read.
 * - Values must be finite decimal numbers (`1`, `-0.5`, `3e-4`); `nan`, `inf` and anything else is an error.
 *   Embedding values are kept as float32, rounded once from the decimal as `Math.fround(Number(text))`
 *   would: one beyond float32's range (`1e39`, which would become Infinity) is an error naming its line
 *   and column; one below its smallest subnormal becomes ±0. Labels must fit an int32.
 * - Lines end with LF or CRLF; a UTF-8 byte-order mark before the header is skipped; blank lines are skipped
 *   (but still counted for line numbers).
 * - A file name may appear only once.
 * - Object-level files (`embeddings/<task>.csv`) have the same columns; each file name is
 *   `<file_name>#<i>` with `i` a non-negative integer, the index of the object in that file's predictions.
 *
 * The parser is incremental: feed it chunks of UTF-8 bytes (or text) with {@link EmbeddingsCsvParser.write}
 * (chunk boundaries may fall anywhere, even inside a number or a multi-byte character), and it hands every
 * row to a sink as soon as the row's line is complete, without keeping the file. Numbers are parsed by
 * hand from the bytes: the usual data line in WebAssembly ({@link WasmRowReader}, `wasm/csvRows.as`),
 * every other line — and every line when WebAssembly is not there — in TypeScript, with the same
 * results to the bit and the same errors.
 */
import { wasm, type WasmModule } from '../kernels/wasm/api.js';
import { wasmBase64 } from './wasm/generated.js';
import { EmbeddingsFormatError } from './errors.js';

export interface EmbeddingsCsvHeader {
  /** Embedding dimension D. */
  readonly dim: number;
  /** All column names in order. */
  readonly columns: readonly string[];
}

/** Receives rows as they are parsed. `values` is a reused buffer: copy it if you keep it. */
export interface EmbeddingsRowSink {
  header?(header: EmbeddingsCsvHeader): void;
  row(fileName: string, values: Float32Array, label: number, line: number): void;
  /**
   * Optional: consecutive rows at once, lines `firstLine`, `firstLine` + 1, …; `values` holds their
   * embeddings one after the other, `labels` their labels. All three are reused buffers, `fileNames`
   * included: copy what you keep. Must do what `row` for each in turn would. Rows the WebAssembly reader
   * took come this way when it is there.
   */
  rows?(fileNames: readonly string[], values: Float32Array, labels: Int32Array, firstLine: number): void;
}

export interface EmbeddingsCsvOptions {
  /** Object-level embeddings: file names must be `<file_name>#<i>`. */
  readonly objectLevel?: boolean;
  /**
   * Who reads the usual data line: `webassembly` (the default whenever the runtime has WebAssembly
   * SIMD, see {@link WasmRowReader}) or `typescript` (the reference, and the fallback). Both give
   * the same rows and the same errors; the TypeScript path always takes the lines WebAssembly hands back.
   */
  readonly rowReader?: 'webassembly' | 'typescript';
}

const enum Role {
  Embedding = 0,
  Label = 1,
  Ignored = 2,
}

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i);

const LF = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
// Digit tests are written `d >>> 0 > 9` with d = byte - ZERO: one unsigned comparison (d < 0 wraps to a
// large value) in the innermost loop.
/** Significant digits that a double holds exactly (10^15 < 2^53): {@link EmbeddingsCsvParser.parseNumber}. */
const EXACT_DIGITS = 15;
/** Significant digits {@link EmbeddingsCsvParser.parseNumber} accumulates at most (10^19 < 2^64). */
const MAX_DIGITS = 19;
/**
 * A bound on the relative error of a 16–19-digit mantissa accumulated in a double and scaled once (at
 * most 19 roundings of 2^-53 each, and the scaling's), with room to spare.
 */
const ACCUMULATED_ERROR = 2 ** -44;
const UPPER_E = 69;
const LOWER_E = 101;

const utf8 = new TextEncoder();

/** A Buffer view of the bytes, without copying: one typed-array class keeps the hot loops monomorphic. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type ParserErrorCode = 'header' | 'column_count' | 'malformed_line' | 'not_a_number' | 'not_finite' | 'duplicate_file' | 'empty_file' | 'invalid_value';

/**
 * Hand-written rather than a CSV library: the parser works on the UTF-8 bytes as they arrive and turns
 * digits into numbers in one pass, without a string per line or per field (the file names are the only
 * strings it makes). Measured on a 124 MB, 128-column file this is several times faster than splitting
 * decoded text and calling Number() per field, which is what general CSV parsers do.
 */
export class EmbeddingsCsvParser {
  /** Bytes of an incomplete last line, waiting for the rest of it. */
  private carry: Buffer | undefined;
  private lineNo = 0;
  private header: EmbeddingsCsvHeader | undefined;
  private roles: Role[] = [];
  private values = new Float32Array(0);
  /** File name → its 0-based row; the row's line is in {@link rowLines}. */
  private readonly seen = new Map<string, number>();
  /** File names of the rows waiting to reach the sink together (see {@link readLines}). */
  private readonly batch: string[] = [];
  /** File names in row order. */
  private readonly names: string[] = [];
  private rowLines = new Int32Array(1024);
  private rowCount = 0;

  constructor(
    readonly file: string,
    private readonly sink: EmbeddingsRowSink,
    private readonly options: EmbeddingsCsvOptions = {},
  ) {}

  /** Feeds the next chunk of the file, as UTF-8 bytes or as text. The chunk may be reused afterwards. */
  write(chunk: string | Uint8Array): void {
    const bytes = asBuffer(typeof chunk === 'string' ? utf8.encode(chunk) : chunk);
    if (bytes.length === 0) return;
    let start = 0;
    if (this.carry) {
      const nl = bytes.indexOf(LF);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, bytes]);
        return;
      }
      const line = Buffer.concat([this.carry, bytes.subarray(0, nl + 1)]);
      this.carry = undefined;
      this.lines(line, 0, line.length);
      start = nl + 1;
    }
    const last = bytes.lastIndexOf(LF);
    if (last >= start) {
      this.lines(bytes, start, last + 1);
      start = last + 1;
    }
    if (start < bytes.length) this.carry = Buffer.from(bytes.subarray(start));
  }

  /** The complete lines of bytes [start, end); `end` is just after a line feed. */
  private lines(b: Buffer, start: number, end: number): void {
    while (!this.header && start < end) {
      const nl = b.indexOf(LF, start);
      this.line(b, start, nl);
      start = nl + 1;
    }
    const reader = this.rowReader();
    if (!reader) {
      for (let nl = b.indexOf(LF, start); nl !== -1 && nl < end; nl = b.indexOf(LF, start)) {
        this.line(b, start, nl);
        start = nl + 1;
      }
      return;
    }
    while (start < end) {
      let regionEnd = end;
      if (end - start > READER_INPUT) {
        regionEnd = b.lastIndexOf(LF, start + READER_INPUT - 1) + 1;
        if (regionEnd <= start) {
          // One line longer than the reader's input area.
          const nl = b.indexOf(LF, start);
          this.line(b, start, nl);
          start = nl + 1;
          continue;
        }
      }
      reader.load(b, start, regionEnd);
      for (let offset = 0; offset < regionEnd - start; ) offset = this.readLines(reader, b, start, offset, regionEnd - start - offset);
      start = regionEnd;
    }
  }

  /**
   * Reads in WebAssembly the lines of the reader's input area from `offset` on (`length` bytes), as many
   * as it takes at once; the area holds `b` from `start`. Returns the offset after the last line read.
   */
  private readLines(reader: WasmRowReader, b: Buffer, start: number, offset: number, length: number): number {
    const count = reader.read(offset, length);
    const meta = reader.lines;
    // Consecutive rows read here go to a sink with `rows` together: their values lie one after the
    // other in the reader's memory.
    const batch = this.batch;
    let batchStart = 0;
    let batchLine = 0;
    const flush = () => {
      if (batch.length === 0) return;
      const n = batch.length;
      try {
        this.sink.rows!(batch, reader.values.subarray(batchStart * reader.dim, (batchStart + n) * reader.dim), reader.labels.subarray(batchStart, batchStart + n), batchLine);
      } finally {
        batch.length = 0;
      }
    };
    for (let i = 0; i < count; i++) {
      const lineStart = start + meta[4 * i]!;
      const lf = start + meta[4 * i + 1]!;
      if (meta[4 * i + 3] !== 0) {
        flush();
        this.line(b, lineStart, lf);
        continue;
      }
      this.lineNo++;
      this.webAssemblyRows++;
      const fileName = b.toString('utf8', lineStart, start + meta[4 * i + 2]!);
      if (!this.sink.rows) {
        this.acceptRow(fileName, reader.rows[i]!, reader.labels[i]!);
        continue;
      }
      // The rows before a duplicate reach the sink first, as they would one by one.
      if (this.seen.has(fileName)) flush();
      this.register(fileName);
      if (batch.length === 0) {
        batchStart = i;
        batchLine = this.lineNo;
      }
      batch.push(fileName);
    }
    flush();
    return meta[4 * (count - 1) + 1]! + 1;
  }

  private reader: WasmRowReader | null | undefined;

  /** The WebAssembly row reader for this file's columns, once the header is known; null without it. */
  private rowReader(): WasmRowReader | null {
    if (this.reader !== undefined) return this.reader;
    // Before the header (blank lines may come first) there is nothing to read rows with yet.
    if (!this.header) return null;
    // Object-level names are checked before the numbers are read, so those files stay in TypeScript.
    const module = this.options.rowReader === 'typescript' || this.options.objectLevel ? null : csvRowsModule();
    this.reader = module ? new WasmRowReader(module, this.header.dim, this.roles) : null;
    return this.reader;
  }

  /** Ends the input; returns the header and the number of rows. */
  end(): { header: EmbeddingsCsvHeader; rows: number } {
    if (this.carry) {
      const line = this.carry;
      this.carry = undefined;
      this.line(line, 0, line.length);
    }
    if (!this.header) throw this.error('empty_file', undefined, 'is empty: expected a header line "filenames,embedding_0,…,labels"');
    return { header: this.header, rows: this.rowCount };
  }

  /** Rows the WebAssembly reader took (the others went through the TypeScript parser). */
  webAssemblyRows = 0;

  /**
   * A lookup of rows by file name for records that mostly come in the file's own order (as metadata and
   * predictions exported beside the embeddings do): it first tries the row after the last one found,
   * one string comparison, and only then the hash map. Measured: 100k lookups of names fresh from
   * JSON.parse (their hashes not yet computed) take 45–52 ms through the map, 2–8 ms this way.
   * Each call returns a lookup with its own position.
   */
  rowFinder(): (fileName: string) => number | undefined {
    const names = this.names;
    let next = 0;
    return (fileName) => {
      if (names[next] === fileName) return next++;
      const row = this.seen.get(fileName);
      if (row !== undefined) next = row + 1;
      return row;
    };
  }

  /** The 1-based line of a row seen so far. */
  lineOf(row: number): number {
    if (!(row >= 0 && row < this.rowCount)) throw new RangeError(`row ${row} has not been read`);
    return this.rowLines[row]!;
  }

  /** The 0-based row of a file name seen so far (the order in which rows reached the sink). */
  rowOf(fileName: string): number | undefined {
    return this.seen.get(fileName);
  }

  private error(code: ParserErrorCode, line: number | undefined, reason: string) {
    return line === undefined
      ? new EmbeddingsFormatError(code, { file: this.file }, reason)
      : new EmbeddingsFormatError(code, { file: this.file, line }, reason);
  }

  private line(b: Buffer, start: number, end: number): void {
    this.lineNo++;
    if (end > start && b[end - 1] === CR) end--;
    if (this.lineNo === 1 && end - start >= 3 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf) start += 3;
    let p = start;
    while (p < end && (b[p] === SPACE || b[p] === TAB)) p++;
    if (p === end) return; // a blank line
    if (!this.header) {
      this.parseHeader(b.toString('utf8', start, end));
      return;
    }
    this.parseRow(b, start, end);
  }

  private parseHeader(line: string): void {
    const columns = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    const lineNo = this.lineNo;
    if (columns[0] !== 'filenames') {
      throw this.error('header', lineNo, `the first column must be "filenames", found ${JSON.stringify(columns[0])}`);
    }
    let dim = 0;
    while (columns[1 + dim] === `embedding_${dim}`) dim++;
    if (dim === 0) throw this.error('header', lineNo, `column 2 must be "embedding_0", found ${JSON.stringify(columns[1] ?? '')}`);
    const roles: Role[] = [];
    const seen = new Set<string>();
    let hasLabels = false;
    for (let c = 1; c < columns.length; c++) {
      const name = columns[c]!;
      if (seen.has(name)) throw this.error('header', lineNo, `column "${name}" appears twice`);
      seen.add(name);
      if (c <= dim) roles.push(Role.Embedding);
      else if (name === 'labels') {
        roles.push(Role.Label);
        hasLabels = true;
      } else if (name === 'masked' || name === 'selected') roles.push(Role.Ignored);
      else if (/^embedding_\d+$/.test(name)) {
        throw this.error('header', lineNo, `embedding columns must be embedding_0…embedding_{D-1} in order; "${name}" is out of place after embedding_${dim - 1}`);
      } else {
        throw this.error('header', lineNo, `unknown column "${name}" (expected filenames, embedding_0…, labels, and optionally masked, selected)`);
      }
    }
    if (!hasLabels) throw this.error('header', lineNo, 'missing the "labels" column');
    this.roles = roles;
    this.values = new Float32Array(dim);
    this.header = { dim, columns };
    this.sink.header?.(this.header);
  }

  private parseRow(b: Buffer, start: number, end: number): void {
    const lineNo = this.lineNo;
    let fileName: string;
    let p: number;
    if (b[start] === QUOTE) {
      // Quotes are ASCII, so the pieces between them never split a UTF-8 sequence.
      let out = '';
      let q = start + 1;
      for (;;) {
        const close = b.indexOf(QUOTE, q);
        if (close === -1 || close >= end) throw this.error('malformed_line', lineNo, 'unterminated quoted file name');
        out += b.toString('utf8', q, close);
        if (close + 1 < end && b[close + 1] === QUOTE) {
          out += '"';
          q = close + 2;
        } else {
          p = close + 1;
          break;
        }
      }
      fileName = out;
      if (p < end && b[p] !== COMMA) throw this.error('malformed_line', lineNo, 'unexpected text after the quoted file name');
    } else {
      p = start;
      while (p < end && b[p] !== COMMA) p++;
      fileName = b.toString('utf8', start, p);
    }
    if (fileName.length === 0) throw this.error('invalid_value', lineNo, 'empty file name');
    if (this.options.objectLevel && !OBJECT_NAME.test(fileName)) {
      throw this.error('invalid_value', lineNo, `object file name ${JSON.stringify(fileName)} must be "<file_name>#<index>"`);
    }
    const roles = this.roles;
    const values = this.values;
    const expected = roles.length + 1;
    let label = 0;
    let dimIndex = 0;
    for (let c = 0; c < roles.length; c++) {
      if (p >= end) throw this.columnCount(b, start, end, expected);
      p++; // the comma
      const role = roles[c]!;
      if (role === Role.Ignored) {
        while (p < end && b[p] !== COMMA) p++;
        continue;
      }
      while (p < end && b[p] === SPACE) p++;
      const fieldStart = p;
      // Fast path for the usual field, [+-] digits [. digits] with at most 9 digits in all: the digits
      // accumulate in a small integer and one division by an exact power of ten rounds once, as Number()
      // does. Anything else (more digits, an exponent, an empty field) takes parseNumber. This repeats the
      // first loops of parseNumber on purpose: with a small-integer accumulator the whole parse of the
      // benchmark's 124 MB file took 0.5–0.6 CPU seconds, against 1.1–1.4 through parseNumber alone.
      let i = p;
      let negative = false;
      if (i < end) {
        const sign = b[i]!;
        if (sign === MINUS) {
          negative = true;
          i++;
        } else if (sign === PLUS) i++;
      }
      let mantissa = 0;
      let digits = 0;
      let fractionDigits = 0;
      while (i < end) {
        const d = b[i]! - ZERO;
        if (d >>> 0 > 9) break;
        // Capped so that the accumulator stays a small integer; longer fields go to parseNumber anyway.
        if (++digits <= 9) mantissa = mantissa * 10 + d;
        i++;
      }
      if (i < end && b[i] === DOT) {
        i++;
        while (i < end) {
          const d = b[i]! - ZERO;
          if (d >>> 0 > 9) break;
          if (++digits <= 9) mantissa = mantissa * 10 + d;
          fractionDigits++;
          i++;
        }
      }
      let v: number;
      // Only parseNumber's numbers can leave the float32 or int32 range (the fast path's are below 10^9).
      let wide = false;
      if (digits === 0 || digits > 9 || (i < end && (b[i] === LOWER_E || b[i] === UPPER_E))) {
        v = this.parseNumber(b, fieldStart, end, c + 2, role === Role.Embedding);
        i = this.numberEnd;
        wide = true;
      } else {
        v = fractionDigits === 0 ? mantissa : mantissa / POW10[fractionDigits]!;
        if (negative) v = -v;
      }
      while (i < end && b[i] === SPACE) i++;
      p = i;
      if (p < end && b[p] !== COMMA) {
        // Trailing garbage in the field.
        let fieldEnd = p;
        while (fieldEnd < end && b[fieldEnd] !== COMMA) fieldEnd++;
        throw this.error('not_a_number', lineNo, `column ${c + 2} (${this.header!.columns[c + 1]}): ${JSON.stringify(b.toString('utf8', fieldStart, fieldEnd))} is not a number`);
      }
      if (wide) this.checkRange(role, v, b, fieldStart, i, c + 2);
      if (role === Role.Embedding) values[dimIndex++] = v;
      else {
        if (!Number.isInteger(v)) throw this.error('invalid_value', lineNo, `column ${c + 2} (labels): ${v} is not an integer`);
        label = v + 0; // −0 as 0, as the WebAssembly reader's integer has it
      }
    }
    if (p < end) throw this.columnCount(b, start, end, expected);
    this.acceptRow(fileName, values, label);
  }

  /** A parsed row: its file name must be new; then the sink gets it. */
  private acceptRow(fileName: string, values: Float32Array, label: number): void {
    this.register(fileName);
    this.sink.row(fileName, values, label, this.lineNo);
  }

  /** Notes the row of the current line under its file name, which must be new. */
  private register(fileName: string): void {
    const lineNo = this.lineNo;
    const previous = this.seen.get(fileName);
    if (previous !== undefined) throw this.error('duplicate_file', lineNo, `file name ${JSON.stringify(fileName)} already appeared on line ${this.rowLines[previous]}`);
    if (this.rowCount === this.rowLines.length) {
      const grown = new Int32Array(this.rowLines.length * 2);
      grown.set(this.rowLines);
      this.rowLines = grown;
    }
    this.seen.set(fileName, this.rowCount);
    this.names.push(fileName);
    this.rowLines[this.rowCount] = lineNo;
    this.rowCount++;
  }

  /** Set by {@link parseNumber}: the index just after the number it parsed. */
  private numberEnd = 0;

  /**
   * Parses a decimal number, [+-] digits [. digits] [(e|E) [+-] digits], starting at `p`; sets
   * {@link numberEnd}. Beyond float64 it is ±Infinity, which {@link checkRange} refuses once the field
   * is known to hold nothing else. Up to 15 significant digits are exact in the mantissa (10^15 < 2^53), and a power
   * of ten up to 22 is exact, so one multiplication or division rounds once, as Number() does.
   *
   * With 16–19 digits the accumulation itself rounds, and a result taken as it is would sometimes be one
   * float32 step off `Math.fround(Number(text))` (7 % of 17-digit spellings of float32 midpoints were).
   * For a `float32` value the result is kept only when the whole interval it may be off by rounds to the
   * same float32, which is nearly always (Python writes float64 embeddings with 17 digits, and Number()
   * on each made such a file's parse take 1.5–2 times as long); otherwise, and beyond, Number().
   */
  private parseNumber(b: Buffer, p: number, end: number, column: number, float32: boolean): number {
    let i = p;
    let negative = false;
    if (i < end) {
      const sign = b[i]!;
      if (sign === MINUS) {
        negative = true;
        i++;
      } else if (sign === PLUS) i++;
    }
    let mantissa = 0;
    let digits = 0;
    let exp10 = 0;
    let any = false;
    while (i < end) {
      const d = b[i]! - ZERO;
      if (d >>> 0 > 9) break;
      if (digits < MAX_DIGITS) {
        mantissa = mantissa * 10 + d;
        if (mantissa !== 0) digits++;
      } else digits++;
      any = true;
      i++;
    }
    if (i < end && b[i] === DOT) {
      i++;
      while (i < end) {
        const d = b[i]! - ZERO;
        if (d >>> 0 > 9) break;
        if (digits < MAX_DIGITS) {
          mantissa = mantissa * 10 + d;
          if (mantissa !== 0) digits++;
          exp10--;
        } else digits++;
        any = true;
        i++;
      }
    }
    if (!any) throw this.badNumber(b, p, end, column);
    if (i < end && (b[i] === LOWER_E || b[i] === UPPER_E)) {
      i++;
      let expNegative = false;
      if (i < end) {
        const sign = b[i]!;
        if (sign === MINUS) {
          expNegative = true;
          i++;
        } else if (sign === PLUS) i++;
      }
      let e = 0;
      let expDigits = 0;
      while (i < end) {
        const d = b[i]! - ZERO;
        if (d >>> 0 > 9) break;
        if (e < 100000) e = e * 10 + d;
        expDigits++;
        i++;
      }
      if (expDigits === 0) throw this.badNumber(b, p, end, column);
      exp10 += expNegative ? -e : e;
    }
    let value: number;
    if (mantissa === 0) value = 0;
    else if (digits > MAX_DIGITS || exp10 > 22 || exp10 < -22) value = Math.abs(Number(b.toString('latin1', p, i)));
    else {
      value = exp10 === 0 ? mantissa : exp10 > 0 ? mantissa * POW10[exp10]! : mantissa / POW10[-exp10]!;
      if (digits > EXACT_DIGITS) {
        const low = Math.fround(value * (1 - ACCUMULATED_ERROR));
        // (An infinite `low` is beyond float32: Number() gives the finite value that checkRange names.)
        value = float32 && low === Math.fround(value * (1 + ACCUMULATED_ERROR)) && low !== Infinity ? low : Math.abs(Number(b.toString('latin1', p, i)));
      }
    }
    if (negative) value = -value;
    this.numberEnd = i;
    return value;
  }

  /**
   * A value must survive the cast to its storage type: an embedding value beyond float32's range would
   * become ±Infinity (and NaN once normalized), silently unpickable, so it is an error here; one below
   * float32's smallest step becomes ±0, as any reader of float32 embeddings would have it. A label is an
   * int32. The field is `b`[start, end), the column 1-based.
   */
  private checkRange(role: Role, v: number, b: Buffer, start: number, end: number, column: number): void {
    const name = this.header!.columns[column - 1];
    if (!Number.isFinite(v)) throw this.error('not_finite', this.lineNo, `column ${column} (${name}): ${b.toString('utf8', start, end).trim()} is out of range`);
    if (role === Role.Embedding && !Number.isFinite(Math.fround(v))) {
      throw this.error('not_finite', this.lineNo, `column ${column} (${name}): ${b.toString('utf8', start, end).trim()} is out of range for float32, the type embeddings are kept in (largest magnitude 3.4028235e38)`);
    }
    if (role === Role.Label && Number.isInteger(v) && (v < -0x80000000 || v > 0x7fffffff)) {
      throw this.error('invalid_value', this.lineNo, `column ${column} (${name}): ${b.toString('utf8', start, end).trim()} is out of range for a label (a 32-bit integer, -2147483648…2147483647)`);
    }
  }

  private columnCount(b: Buffer, start: number, end: number, expected: number) {
    let found = 1;
    for (let i = start; i < end; i++) if (b[i] === COMMA) found++;
    return this.error('column_count', this.lineNo, `expected ${expected} columns, found ${found}`);
  }

  private badNumber(b: Buffer, fieldStart: number, end: number, column: number) {
    let fieldEnd = fieldStart;
    while (fieldEnd < end && b[fieldEnd] !== COMMA) fieldEnd++;
    const field = b.toString('utf8', fieldStart, fieldEnd).trim();
    const name = this.header!.columns[column - 1];
    if (/^[+-]?(nan|inf|infinity)$/i.test(field)) {
      return this.error('not_finite', this.lineNo, `column ${column} (${name}): ${field} is not a finite number`);
    }
    return this.error('not_a_number', this.lineNo, `column ${column} (${name}): ${JSON.stringify(field)} is not a number`);
  }
}

const OBJECT_NAME = /^.+#(0|[1-9]\d*)$/;

/** Bytes of the reader's input area: lines are read a region of at most this many bytes at a time. */
const READER_INPUT = 1 << 18;
/** Where the reader's input area starts in its memory. */
const INPUT_AT = 16;
/** Bytes of parsed values the reader holds at most (fewer lines per call for wide rows). */
const READER_VALUES = 1 << 17;

/** `csvRows` of `wasm/csvRows.as`: pointers are byte offsets into the reader's memory. */
type CsvRows = (buf: number, len: number, roles: number, columns: number, dim: number, values: number, labels: number, lines: number, maxLines: number) => number;

let cachedModule: WasmModule | null | undefined;

/** The compiled `wasm/csvRows.as`, or null when this runtime cannot run it (no WebAssembly SIMD). */
function csvRowsModule(): WasmModule | null {
  if (cachedModule === undefined) {
    try {
      cachedModule = new wasm.Module(Buffer.from(wasmBase64, 'base64'));
    } catch {
      cachedModule = null;
    }
  }
  return cachedModule;
}

/**
 * `csvRows` of `wasm/csvRows.as` over a memory of its own: the usual data line — an unquoted file name
 * and 1–9-digit numbers — is read there, and every other line is handed back to the TypeScript parser,
 * so the two give the same rows and errors. Measured on the ingest benchmark's 124 MB, 128-column file
 * (2-vCPU EPYC): the whole parse, file names and duplicate checks included, 0.39–0.51 s against
 * 0.64–0.89 s in TypeScript; the commit's embeddings phase 1.42 CPU-s against 1.84. The regions are
 * small (256 KiB in, 128 KiB of rows out) so that both stay in the L2 cache.
 */
class WasmRowReader {
  /** Per line of the last {@link read}: start, line feed, end of the file name, status (0 = read). */
  readonly lines: Int32Array;
  /** Per line of the last {@link read}: its embedding values (views into the reader's memory). */
  readonly rows: Float32Array[];
  /** All lines' values, line i at [i·dim, (i + 1)·dim). */
  readonly values: Float32Array;
  readonly dim: number;
  /** Per line of the last {@link read}: its label. */
  readonly labels: Int32Array;
  private readonly input: Uint8Array;
  private readonly csvRows: CsvRows;
  private readonly maxLines: number;
  private readonly layout: { roles: number; columns: number; dim: number; values: number; labels: number; lines: number };

  constructor(module: WasmModule, dim: number, roles: readonly Role[]) {
    // A line has at least 2·dim bytes (a digit and a comma per value), so no region holds more lines
    // than that allows.
    const maxLines = Math.max(1, Math.min(4096, Math.floor(READER_VALUES / (4 * dim)), Math.ceil(READER_INPUT / (2 * dim))));
    const align = (n: number) => Math.ceil(n / 16) * 16;
    // The input area starts at byte 16 and has 32 bytes after it: the WebAssembly reads whole 8- and
    // 16-byte words around a field.
    const rolesAt = align(INPUT_AT + READER_INPUT + 32);
    const linesAt = align(rolesAt + 4 * roles.length);
    const labelsAt = linesAt + 16 * maxLines;
    const valuesAt = align(labelsAt + 4 * maxLines);
    const bytes = valuesAt + 4 * dim * maxLines;
    const pages = Math.ceil(bytes / 65536);
    const memory = new wasm.Memory({ initial: pages, maximum: pages });
    this.csvRows = (new wasm.Instance(module, { env: { memory } }).exports as { csvRows: CsvRows }).csvRows;
    const buffer = memory.buffer;
    this.input = new Uint8Array(buffer, INPUT_AT, READER_INPUT);
    new Int32Array(buffer, rolesAt, roles.length).set(roles);
    this.lines = new Int32Array(buffer, linesAt, 4 * maxLines);
    this.labels = new Int32Array(buffer, labelsAt, maxLines);
    this.rows = Array.from({ length: maxLines }, (_, i) => new Float32Array(buffer, valuesAt + 4 * dim * i, dim));
    this.values = new Float32Array(buffer, valuesAt, dim * maxLines);
    this.dim = dim;
    this.maxLines = maxLines;
    this.layout = { roles: rolesAt, columns: roles.length, dim, values: valuesAt, labels: labelsAt, lines: linesAt };
  }

  /** Copies bytes [start, end) of `b` (whole lines, at most {@link READER_INPUT} bytes) into the input area. */
  load(b: Uint8Array, start: number, end: number): void {
    this.input.set(b.subarray(start, end));
  }

  /**
   * Reads lines of the input area from `offset` on (`length` bytes, ending with a line feed), as many as
   * fit; returns how many. Offsets in {@link lines} are from the start of the input area.
   */
  read(offset: number, length: number): number {
    const { roles, columns, dim, values, labels, lines } = this.layout;
    const count = this.csvRows(INPUT_AT + offset, length, roles, columns, dim, values, labels, lines, this.maxLines);
    if (offset !== 0) {
      const meta = this.lines;
      for (let i = 0; i < 4 * count; i += 4) {
        meta[i] = meta[i]! + offset;
        meta[i + 1] = meta[i + 1]! + offset;
        meta[i + 2] = meta[i + 2]! + offset;
      }
    }
    return count;
  }
}


/** Splits an object-level file name `<file_name>#<i>` into its parts. */
export function splitObjectName(name: string): { fileName: string; index: number } {
  const hash = name.lastIndexOf('#');
  return { fileName: name.slice(0, hash), index: Number(name.slice(hash + 1)) };
}

/** An embeddings file held in memory: raw (not normalized) values. */
export interface ParsedEmbeddings {
  readonly file: string;
  readonly dim: number;
  readonly fileNames: string[];
  /** Row-major `fileNames.length × dim`, the values as written. */
  readonly data: Float32Array;
  readonly labels: Int32Array;
  /** The 1-based line each row came from. */
  readonly lines: Int32Array;
}

/** A sink that keeps every row in growing typed arrays. */
export class EmbeddingsAccumulator implements EmbeddingsRowSink {
  private dim = 0;
  private count = 0;
  private data = new Float32Array(0);
  private labels = new Int32Array(0);
  private lines = new Int32Array(0);
  private readonly names: string[] = [];

  header(header: EmbeddingsCsvHeader): void {
    this.dim = header.dim;
    this.grow(1024);
  }

  row(fileName: string, values: Float32Array, label: number, line: number): void {
    if (this.count === this.labels.length) this.grow(this.count * 2);
    this.data.set(values, this.count * this.dim);
    this.labels[this.count] = label;
    this.lines[this.count] = line;
    this.names.push(fileName);
    this.count++;
  }

  result(file: string): ParsedEmbeddings {
    return {
      file,
      dim: this.dim,
      fileNames: this.names,
      data: this.data.slice(0, this.count * this.dim),
      labels: this.labels.slice(0, this.count),
      lines: this.lines.slice(0, this.count),
    };
  }

  private grow(capacity: number): void {
    const data = new Float32Array(capacity * this.dim);
    data.set(this.data);
    this.data = data;
    const labels = new Int32Array(capacity);
    labels.set(this.labels);
    this.labels = labels;
    const lines = new Int32Array(capacity);
    lines.set(this.lines);
    this.lines = lines;
  }
}

/** Parses a whole embeddings CSV held in memory. */
export function parseEmbeddingsCsv(text: string, file: string, options: EmbeddingsCsvOptions = {}): ParsedEmbeddings {
  const sink = new EmbeddingsAccumulator();
  const parser = new EmbeddingsCsvParser(file, sink, options);
  parser.write(text);
  parser.end();
  return sink.result(file);
}

/** Parses an embeddings CSV from a stream of text or UTF-8 byte chunks (e.g. a file read stream). */
export async function parseEmbeddingsCsvStream(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  file: string,
  options: EmbeddingsCsvOptions = {},
  sink: EmbeddingsRowSink = new EmbeddingsAccumulator(),
): Promise<{ header: EmbeddingsCsvHeader; rows: number; sink: EmbeddingsRowSink }> {
  const parser = new EmbeddingsCsvParser(file, sink, options);
  for await (const chunk of chunks) parser.write(chunk);
  return { ...parser.end(), sink };
}
