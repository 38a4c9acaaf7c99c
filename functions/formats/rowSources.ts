/**
 * Where each row's record came from, for the "already has … in file:line" errors of metadata and
 * prediction records. Two typed arrays over the rows instead of a map keyed by file name, so that a
 * million records cost 8 bytes each, not a map entry and a string.
 */

export interface RecordSource {
  readonly file: string;
  readonly line?: number;
}

export class RowSources {
  /** Per row: 0 = no record yet, -1 = a record without a line (a per-file JSON), else its 1-based line. */
  private readonly lines: Int32Array;
  private readonly fileIndexes: Int32Array;
  private readonly files: string[] = [];
  private readonly fileIndexOf = new Map<string, number>();

  constructor(rowCount: number) {
    this.lines = new Int32Array(rowCount);
    this.fileIndexes = new Int32Array(rowCount);
  }

  /** Records `source` as the row's record; returns the earlier record's source when the row had one. */
  claim(row: number, source: RecordSource): RecordSource | undefined {
    const earlier = this.lines[row]!;
    if (earlier !== 0) {
      const file = this.files[this.fileIndexes[row]!]!;
      return earlier > 0 ? { file, line: earlier } : { file };
    }
    let index = this.fileIndexOf.get(source.file);
    if (index === undefined) {
      index = this.files.length;
      this.files.push(source.file);
      this.fileIndexOf.set(source.file, index);
    }
    this.fileIndexes[row] = index;
    this.lines[row] = source.line ?? -1;
    return undefined;
  }
}

/** `file` or `file:line`. */
export const describeSource = (source: RecordSource) => (source.line === undefined ? source.file : `${source.file}:${source.line}`);
