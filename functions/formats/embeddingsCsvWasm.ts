/**
 * The WebAssembly reader of embeddings CSV data lines ({@link WasmRowReader}): `wasm/csvRows.as` over a
 * memory of its own, which the parser in `embeddingsCsv.ts` hands whole regions of lines to.
 */
import { wasm, type WasmModule } from '../kernels/wasm/api.js';
import { wasmBase64 } from './wasm/generated.js';
import type { Role } from './embeddingsCsvNumbers.js';

/** Bytes of the reader's input area: lines are read a region of at most this many bytes at a time. */
export const READER_INPUT = 1 << 18;
/** Where the reader's input area starts in its memory. */
const INPUT_AT = 16;
/** Bytes of parsed values the reader holds at most (fewer lines per call for wide rows). */
const READER_VALUES = 1 << 17;

/** `csvRows` of `wasm/csvRows.as`: pointers are byte offsets into the reader's memory. */
type CsvRows = (buf: number, len: number, roles: number, columns: number, dim: number, values: number, labels: number, lines: number, maxLines: number) => number;

let cachedModule: WasmModule | null | undefined;

/** The compiled `wasm/csvRows.as`, or null when this runtime cannot run it (no WebAssembly SIMD). */
export function csvRowsModule(): WasmModule | null {
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
export class WasmRowReader {
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
