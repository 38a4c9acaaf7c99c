/** Packed file names: every name back by row, across parts, in any script, and nothing outside the rows. */
import { describe, expect, it } from 'vitest';
import { PackedFileNames } from '../../functions/store/fileNameList.js';

describe('PackedFileNames', () => {
  it('gives back each name by row across parts, with multi-byte characters and empty names', () => {
    const parts = [
      ['a.jpg', 'b/c.png', ''],
      [],
      ['Straße/ß.jpg', '日本/写真.png', 'emoji-😀.jpg', 'x'.repeat(3000)],
      ['last.jpg'],
    ];
    const list = new PackedFileNames();
    for (const part of parts) list.push(part);
    const all = parts.flat();
    expect(list.length).toBe(all.length);
    expect(all.map((_, row) => list.at(row))).toEqual(all);
  });

  it('has nothing outside its rows', () => {
    const list = new PackedFileNames();
    expect(list.at(0)).toBeUndefined();
    list.push(['only.jpg']);
    expect(list.at(-1)).toBeUndefined();
    expect(list.at(1)).toBeUndefined();
    expect(list.at(0.5)).toBeUndefined();
    expect(list.at(0)).toBe('only.jpg');
  });
});
