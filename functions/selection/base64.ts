/**
 * Base64 of bytes and back, for state that a checkpoint keeps as JSON (DIVERSITY's distances). Written
 * here rather than through Node's Buffer because the selection modules also run in the console's
 * browser bundle; the text is made through TextDecoder, so 80 MB encode in well under a second.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = new TextEncoder().encode(ALPHABET);
const DECODE = (() => {
  const table = new Int16Array(256).fill(-1);
  ENCODE.forEach((code, value) => (table[code] = value));
  return table;
})();
const PAD = 61; // '='

export function bytesToBase64(bytes: Uint8Array): string {
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
