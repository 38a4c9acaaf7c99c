/** The checkpoint's base64: Node's own encoding, byte for byte, both ways, at every length mod 3. */
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, portableBase64ToBytes, portableBytesToBase64 } from '../../functions/selection/base64.js';

describe('base64', () => {
  it('encodes as Node does and decodes back, at lengths 0–9 and larger', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1000, 1001, 1002, 65_537]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 97 + 13 + (i >> 8)) & 255);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(Buffer.from(base64ToBytes(text)).equals(Buffer.from(bytes))).toBe(true);
      // The browser's path gives the same, both ways; and a view into a larger buffer encodes only itself.
      expect(portableBytesToBase64(bytes)).toBe(text);
      expect(Buffer.from(portableBase64ToBytes(text)).equals(Buffer.from(bytes))).toBe(true);
      const within = new Uint8Array(n + 8);
      within.set(bytes, 5);
      expect(bytesToBase64(within.subarray(5, 5 + n))).toBe(text);
    }
  });

  it('keeps float64 values exactly, Infinity and NaN included', () => {
    const values = Float64Array.from([0, -0, 1 / 3, Infinity, -Infinity, NaN, Number.MIN_VALUE, Number.MAX_VALUE]);
    const back = new Float64Array(base64ToBytes(bytesToBase64(new Uint8Array(values.buffer))).buffer);
    expect(Array.from(back)).toEqual(Array.from(values));
    expect(Object.is(back[1], -0)).toBe(true);
  });

  it('refuses text that is not base64, naming the character and where', () => {
    expect(() => base64ToBytes('abc')).toThrow(/3 characters is not a multiple of 4/);
    expect(() => base64ToBytes('ab*d')).toThrow(/'\*' at 2/);
    expect(() => base64ToBytes('a=bc')).toThrow(/'=' at 1/);
  });
});
