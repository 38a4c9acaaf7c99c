import { describe, expect, it } from 'vitest';
import { TagBitset } from '../../functions/store/tagBitset.js';

function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('TagBitset', () => {
  it('stores rows and counts them, least significant bit first', () => {
    const bits = TagBitset.fromRows(20, [0, 3, 8, 19]);
    expect([...bits.rows()]).toEqual([0, 3, 8, 19]);
    expect(bits.count()).toBe(4);
    expect(bits.has(3)).toBe(true);
    expect(bits.has(4)).toBe(false);
    expect(bits.has(25)).toBe(false);
    expect([...bits.toBytes()]).toEqual([0b1001, 0b1, 0b1000]);
  });

  it('all() covers exactly its length, including a partial last byte', () => {
    const bits = TagBitset.all(13);
    expect(bits.count()).toBe(13);
    expect([...bits.toBytes()]).toEqual([0xff, 0b11111]);
    expect(TagBitset.fromBytes(13, Uint8Array.from([0xff, 0xff])).count()).toBe(13);
  });

  it('refuses rows outside its length and bytes of the wrong size', () => {
    expect(() => TagBitset.empty(8).add(8)).toThrow(RangeError);
    expect(() => TagBitset.empty(8).add(-1)).toThrow(RangeError);
    expect(() => TagBitset.fromBytes(9, new Uint8Array(1))).toThrow(/needs 2 bytes/);
  });

  it('does set algebra like Set does, across different lengths', () => {
    const random = seeded(7);
    for (let trial = 0; trial < 50; trial++) {
      const lengthA = 1 + Math.floor(random() * 200);
      const lengthB = 1 + Math.floor(random() * 200);
      const rowsA = Array.from({ length: lengthA }, (_, i) => i).filter(() => random() < 0.3);
      const rowsB = Array.from({ length: lengthB }, (_, i) => i).filter(() => random() < 0.3);
      const a = TagBitset.fromRows(lengthA, rowsA);
      const b = TagBitset.fromRows(lengthB, rowsB);
      const setA = new Set(rowsA);
      const setB = new Set(rowsB);
      const sorted = (values: Iterable<number>) => [...values].sort((x, y) => x - y);
      expect([...a.union(b).rows()]).toEqual(sorted(new Set([...rowsA, ...rowsB])));
      expect([...a.intersection(b).rows()]).toEqual(sorted(rowsA.filter((r) => setB.has(r))));
      expect([...a.difference(b).rows()]).toEqual(sorted(rowsA.filter((r) => !setB.has(r))));
      expect(a.union(b).length).toBe(Math.max(lengthA, lengthB));
      expect(a.count()).toBe(setA.size);
    }
  });

  it('pages through members with rowsFrom', () => {
    const rows = [1, 2, 40, 41, 42, 100, 399];
    const bits = TagBitset.fromRows(400, rows);
    expect(bits.rowsFrom(0, 3)).toEqual([1, 2, 40]);
    expect(bits.rowsFrom(41, 3)).toEqual([41, 42, 100]);
    expect(bits.rowsFrom(101, 10)).toEqual([399]);
    expect(bits.rowsFrom(400, 10)).toEqual([]);
    expect([...bits.toMask(402)].flatMap((v, i) => (v ? [i] : []))).toEqual(rows);
  });
});
