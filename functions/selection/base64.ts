/**
 * Base64 of bytes and back, for state that a checkpoint keeps as JSON (DIVERSITY's distances). Node's
 * Buffer where there is one (80 MB in 0.5 s, against 2.3 s here), else written out here: the selection
 * modules also run in the console's browser bundle. Decoding checks the text first either way (Buffer
 * skips what is not base64), naming the first character that is not.
 */

/** Node's Buffer, absent in a browser. */
const NodeBuffer = (globalThis as { Buffer?: { from(data: ArrayBufferLike | string, offsetOrEncoding?: number | string, length?: number): Uint8Array & { toString(encoding: string): string } } }).Buffer;
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = new TextEncoder().encode(ALPHABET);
const DECODE = (() => {
  const table = new Int16Array(256).fill(-1);
  ENCODE.forEach((code, value) => (table[code] = value));
  return table;
})();
const PAD = 61; // '='

export function bytesToBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return portableBytesToBase64(bytes);
}

/** {@link bytesToBase64} without Buffer. */
export function portableBytesToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ENCODE[n >>> 18]!;
    out[o++] = ENCODE[(n >>> 12) & 63]!;
    out[o++] = ENCODE[(n >>> 6) & 63]!;
    out[o++] = ENCODE[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o] = ENCODE[n >>> 18]!;
    out[o + 1] = ENCODE[(n >>> 12) & 63]!;
    out[o + 2] = rest === 2 ? ENCODE[(n >>> 6) & 63]! : PAD;
    out[o + 3] = PAD;
  }
  // ASCII only: latin1 decoding is the identity on these bytes.
  return new TextDecoder('latin1').decode(out);
}

/** The bytes of base64 `text` (padded); a character outside the alphabet is an error naming its position. */
export function base64ToBytes(text: string): Uint8Array {
  if (NodeBuffer && text.length % 4 === 0 && BASE64_TEXT.test(text)) {
    // Copied out: a small Buffer is a slice of a shared pool, at any offset.
    const decoded = NodeBuffer.from(text, 'base64');
    const out = new Uint8Array(decoded.byteLength);
    out.set(decoded);
    return out;
  }
  return portableBase64ToBytes(text);
}

/** {@link base64ToBytes} without Buffer (and where the text is not base64: the error names what is wrong). */
export function portableBase64ToBytes(text: string): Uint8Array {
  const input = new TextEncoder().encode(text);
  if (input.length % 4 !== 0) throw new RangeError(`base64 text of ${input.length} characters is not a multiple of 4`);
  const pad = input.length === 0 ? 0 : (input[input.length - 1] === PAD ? 1 : 0) + (input[input.length - 2] === PAD ? 1 : 0);
  const out = new Uint8Array((input.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < input.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = input[i + j]!;
      const v = c === PAD && i + 4 === input.length && j >= 4 - pad ? 0 : DECODE[c]!;
      if (v < 0) throw new RangeError(`base64 text has '${String.fromCharCode(c)}' at ${i + j}`);
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
