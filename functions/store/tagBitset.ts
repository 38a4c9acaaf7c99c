/**
 * A tag's membership as a bitset over the dataset's rows: bit `i` (byte `i >> 3`, bit `i & 7`, least
 * significant first) is set when row `i` is in the tag. Row indices are fixed at ingestion and appends
 * only add rows at the end, so a bitset stays valid as the dataset grows: rows past its length are simply
 * not members. One million rows take 125 kB.
 */
export class TagBitset {
  private constructor(
    /** Number of rows the bitset covers. */
    readonly length: number,
    private readonly bits: Uint8Array,
  ) {}

  static empty(length: number): TagBitset {
    return new TagBitset(length, new Uint8Array(Math.ceil(length / 8)));
  }

  static all(length: number): TagBitset {
    const set = TagBitset.empty(length);
    set.bits.fill(0xff);
    set.clearTail();
    return set;
  }

  static fromRows(length: number, rows: Iterable<number>): TagBitset {
    const set = TagBitset.empty(length);
    for (const row of rows) set.add(row);
    return set;
  }

  /** Reads the stored form; `length` comes from the tag's record. */
  static fromBytes(length: number, bytes: Uint8Array): TagBitset {
    const expected = Math.ceil(length / 8);
    if (bytes.length !== expected) throw new RangeError(`bitset of ${length} rows needs ${expected} bytes, got ${bytes.length}`);
    const set = new TagBitset(length, Uint8Array.from(bytes));
    set.clearTail();
    return set;
  }

  toBytes(): Uint8Array {
    return this.bits;
  }

  has(row: number): boolean {
    return row >= 0 && row < this.length && (this.bits[row >> 3]! & (1 << (row & 7))) !== 0;
  }

  add(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.length) throw new RangeError(`row ${row} outside 0..${this.length - 1}`);
    this.bits[row >> 3]! |= 1 << (row & 7);
  }

  /** Number of member rows. */
  count(): number {
    let total = 0;
    for (const byte of this.bits) total += POPCOUNT[byte]!;
    return total;
  }

  /** Member rows in ascending order. */
  *rows(): IterableIterator<number> {
    for (let byteIndex = 0; byteIndex < this.bits.length; byteIndex++) {
      let byte = this.bits[byteIndex]!;
      while (byte !== 0) {
        const bit = 31 - Math.clz32(byte & -byte);
        yield (byteIndex << 3) | bit;
        byte &= byte - 1;
      }
    }
  }

  /** Member rows from `start` on, at most `limit` of them (for paging through a tag). */
  rowsFrom(start: number, limit: number): number[] {
    const out: number[] = [];
    for (let row = Math.max(0, start); row < this.length && out.length < limit; row++) {
      if ((row & 7) === 0 && this.bits[row >> 3] === 0) {
        row += 7;
        continue;
      }
      if (this.has(row)) out.push(row);
    }
    return out;
  }

  /** A membership mask as the selection engine takes it (1 = member), over `length` rows. */
  toMask(length = this.length): Uint8Array {
    const mask = new Uint8Array(length);
    for (const row of this.rows()) if (row < length) mask[row] = 1;
    return mask;
  }

  union(other: TagBitset): TagBitset {
    return this.combine(other, (a, b) => a | b);
  }

  intersection(other: TagBitset): TagBitset {
    return this.combine(other, (a, b) => a & b);
  }

  difference(other: TagBitset): TagBitset {
    return this.combine(other, (a, b) => a & ~b);
  }

  /** The result covers the longer of the two; missing bytes of the shorter count as non-members. */
  private combine(other: TagBitset, op: (a: number, b: number) => number): TagBitset {
    const result = TagBitset.empty(Math.max(this.length, other.length));
    for (let i = 0; i < result.bits.length; i++) result.bits[i] = op(this.bits[i] ?? 0, other.bits[i] ?? 0) & 0xff;
    return result;
  }

  private clearTail(): void {
    const extra = this.bits.length * 8 - this.length;
    if (extra > 0) this.bits[this.bits.length - 1]! &= 0xff >> extra;
  }
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, byte) => {
  let count = 0;
  for (let b = byte; b; b &= b - 1) count++;
  return count;
});
