/**
 * Reading a run's column snapshot (snapshot.ts): one GET per column, streamed straight into the array
 * that holds it (no concatenated copy), or a ranged GET for a task that needs only some rows.
 */
import { rowCountOf, type MatrixRows } from '../kernels/index.js';
import { blockMatrix } from '../selection/matrix.js';
import type { BlobStore } from '../store/blobs.js';
import { PackedFileNames } from '../store/fileNameList.js';
import type { EmbeddingMatrix } from '../selection/types.js';
import { runKeys } from './results.js';
import { ELEMENT_BYTES, EMBEDDINGS_COLUMN, FILE_NAMES_COLUMN, type RunSnapshot, type SnapshotColumn } from './snapshot.js';

/** Gives the array an embedding matrix is read into (e.g. one in the kernels' WebAssembly memory). */
export type AllocateMatrix = (rows: number, dim: number) => Float32Array;

export const allocateFloat32: AllocateMatrix = (rows, dim) => new Float32Array(rows * dim);

/** Gives where an embedding matrix is read: one array, or rows in blocks of the kernels' memory (a matrix larger than one block). */
export type AllocateRows = (rows: number, dim: number) => MatrixRows;

/** The run's snapshot manifest, or undefined for a run planned before runs had snapshots. */
export function openRunSnapshot(blobs: BlobStore, runId: string): Promise<RunSnapshot | undefined> {
  return blobs.getJson<RunSnapshot>(runKeys.snapshotManifest(runId));
}

const bytesOf = (values: ArrayBufferView) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

export class SnapshotReader {
  constructor(
    private readonly blobs: BlobStore,
    readonly snapshot: RunSnapshot,
  ) {}

  column(name: string): SnapshotColumn | undefined {
    return this.snapshot.columns[name];
  }

  private required(name: string): SnapshotColumn {
    const column = this.snapshot.columns[name];
    if (!column) throw new Error(`the run's snapshot has no column ${name}`);
    return column;
  }

  /** Streams a whole column into `target` (exactly its size), chunk by chunk as the response arrives. */
  async readInto(name: string, target: Uint8Array): Promise<void> {
    await this.readIntoParts(name, [target]);
  }

  /**
   * Streams a whole column into `targets` one after the other (together exactly its size), each chunk
   * split where a target ends: a matrix in several blocks (or a column larger than one typed array may
   * be, 4 GiB of bytes) is filled straight from the response.
   */
  async readIntoParts(name: string, targets: readonly Uint8Array[]): Promise<void> {
    const column = this.required(name);
    let total = 0;
    for (const target of targets) total += target.byteLength;
    if (total !== column.bytes) throw new RangeError(`snapshot column ${name} has ${column.bytes} bytes, the target ${total}`);
    const body = await this.blobs.stream(column.key);
    if (!body) throw new Error(`snapshot column ${name} (${column.key}) is missing`);
    let written = 0;
    let part = 0;
    let offset = 0;
    for await (const chunk of body) {
      if (written + chunk.byteLength > total) throw new Error(`snapshot column ${column.key} is longer than ${column.bytes} bytes`);
      for (let from = 0; from < chunk.byteLength; ) {
        const target = targets[part]!;
        const n = Math.min(chunk.byteLength - from, target.byteLength - offset);
        target.set(n === chunk.byteLength ? chunk : chunk.subarray(from, from + n), offset);
        from += n;
        offset += n;
        if (offset === target.byteLength) {
          part++;
          offset = 0;
        }
      }
      written += chunk.byteLength;
    }
    if (written !== total) throw new Error(`snapshot column ${column.key} has ${written} bytes, expected ${column.bytes}`);
  }

  /**
   * The run's embedding matrix, read into the array `allocate` gives (at least rows × dim floats), or into
   * the blocks it gives (exactly rows × dim floats in all), straight from the response. The arrays must
   * stay valid while the response streams in (WebAssembly memory must not grow meanwhile).
   */
  async embeddingsInto(allocate: AllocateRows = allocateFloat32): Promise<EmbeddingMatrix> {
    const column = this.required(EMBEDDINGS_COLUMN);
    const rows = column.units;
    const dim = column.width;
    const given = allocate(rows, dim);
    if (given instanceof Float32Array) return { rows, dim, data: await this.float32Into(EMBEDDINGS_COLUMN, () => given) };
    if (rowCountOf(given, dim) !== rows) throw new RangeError(`the blocks for ${EMBEDDINGS_COLUMN} hold ${rowCountOf(given, dim)} rows, ${rows} needed`);
    await this.readIntoParts(EMBEDDINGS_COLUMN, given.views.map(bytesOf));
    return blockMatrix(rows, dim, given);
  }

  /** A float32 column (units × width) read into an array `allocate` gives. */
  async float32Into(name: string, allocate: AllocateMatrix = allocateFloat32): Promise<Float32Array> {
    const column = this.required(name);
    const count = column.units * column.width;
    const given = allocate(column.units, column.width);
    if (given.length < count) throw new RangeError(`the array for ${name} holds ${given.length} floats, ${count} needed`);
    const data = given.length === count ? given : given.subarray(0, count);
    await this.readInto(name, bytesOf(data));
    return data;
  }

  async float64(name: string): Promise<Float64Array> {
    const values = new Float64Array(this.elements(name, 'float64'));
    await this.readInto(name, bytesOf(values));
    return values;
  }

  async int32(name: string): Promise<Int32Array> {
    const values = new Int32Array(this.elements(name, 'int32'));
    await this.readInto(name, bytesOf(values));
    return values;
  }

  async uint8(name: string): Promise<Uint8Array> {
    const values = new Uint8Array(this.elements(name, 'uint8'));
    await this.readInto(name, values);
    return values;
  }

  private elements(name: string, element: keyof typeof ELEMENT_BYTES): number {
    const column = this.required(name);
    if (column.element !== element) throw new TypeError(`snapshot column ${name} holds ${column.element}, not ${element}`);
    return column.units * column.width;
  }

  /**
   * Units `start` to `end` (exclusive) of a fixed-width column into `target` (exactly their bytes), with
   * one ranged GET: a task that needs only its own rows reads only those.
   */
  async unitsInto(name: string, start: number, end: number, target: Uint8Array): Promise<void> {
    const column = this.required(name);
    if (column.element === 'jsonLines') throw new TypeError(`snapshot column ${name} has no fixed-width units`);
    if (start < 0 || end > column.units || end < start) throw new RangeError(`units ${start}–${end} are not in snapshot column ${name} (${column.units})`);
    const unitBytes = column.width * ELEMENT_BYTES[column.element];
    if (target.byteLength !== (end - start) * unitBytes) throw new RangeError(`the target of ${name} ${start}–${end} has ${target.byteLength} bytes, ${(end - start) * unitBytes} needed`);
    if (end === start) return;
    const bytes = await this.blobs.getRange(column.key, start * unitBytes, end * unitBytes);
    if (!bytes || bytes.byteLength !== target.byteLength) throw new Error(`snapshot column ${column.key} is missing or shorter than its manifest says`);
    target.set(bytes);
  }

  /** Every file name in row order, as an array of strings. */
  async fileNames(): Promise<string[]> {
    const names: string[] = [];
    await this.eachFileNamesLine((part) => {
      for (const name of part) names.push(name);
    });
    return names;
  }

  /** Every file name in row order, packed ({@link PackedFileNames}): for a task that reads only some of them. */
  async fileNameList(): Promise<PackedFileNames> {
    const names = new PackedFileNames();
    await this.eachFileNamesLine((part) => names.push(part));
    return names;
  }

  /** The file names column parsed line by line (one shard's names per line) as the body streams. */
  private async eachFileNamesLine(take: (names: string[]) => void): Promise<void> {
    const column = this.required(FILE_NAMES_COLUMN);
    const body = await this.blobs.stream(column.key);
    if (!body) throw new Error(`snapshot column ${FILE_NAMES_COLUMN} (${column.key}) is missing`);
    let count = 0;
    const decoder = new TextDecoder('utf-8');
    let pending = '';
    const takeLines = (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line === '') continue;
        const names = JSON.parse(line) as string[];
        count += names.length;
        take(names);
      }
    };
    for await (const chunk of body) takeLines(decoder.decode(chunk, { stream: true }));
    takeLines(`${decoder.decode()}\n`);
    if (count !== column.units) throw new Error(`snapshot column ${column.key} has ${count} file names, expected ${column.units}`);
  }
}
