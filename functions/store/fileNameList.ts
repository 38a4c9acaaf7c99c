/**
 * File names of every row, packed: each part's names as one UTF-8 buffer with an offset per name,
 * decoded when asked for. 10M names of about 20 characters take about 250 MB this way, against about
 * 560 MB as a JavaScript array of strings (a header and a pointer per string) — the part of a
 * selection's memory that file names are, where only a few thousand are ever read (Finish).
 */

/** What reads file names by row: an array of strings is one, as is {@link PackedFileNames}. */
export interface FileNameList {
  readonly length: number;
  at(row: number): string | undefined;
}

interface Part {
  readonly firstRow: number;
  readonly bytes: Buffer;
  /** Byte offset of each name in `bytes`, and the end: names + 1 entries. */
  readonly offsets: Uint32Array;
}

export class PackedFileNames implements FileNameList {
  private readonly parts: Part[] = [];
  private rows = 0;

  get length(): number {
    return this.rows;
  }

  /** Appends the names of the next rows (one part, e.g. one shard's names). */
  push(names: readonly string[]): void {
    let total = 0;
    for (const name of names) total += Buffer.byteLength(name, 'utf8');
    const bytes = Buffer.allocUnsafeSlow(total);
    const offsets = new Uint32Array(names.length + 1);
    let at = 0;
    names.forEach((name, i) => {
      offsets[i] = at;
      at += bytes.write(name, at, 'utf8');
    });
    offsets[names.length] = at;
    this.parts.push({ firstRow: this.rows, bytes, offsets });
    this.rows += names.length;
  }

  at(row: number): string | undefined {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) return undefined;
    // The last part starting at or before `row`.
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.parts[mid]!.firstRow <= row) lo = mid;
      else hi = mid - 1;
    }
    const part = this.parts[lo]!;
    const i = row - part.firstRow;
    return part.bytes.toString('utf8', part.offsets[i]!, part.offsets[i + 1]!);
  }
}
