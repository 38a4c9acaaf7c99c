// The embeddings CSV reader's byte loop (formats/embeddingsCsv.ts), in AssemblyScript, compiled by
// kernels/wasm/build.ts into `generated.ts` beside this file. Its memory is its own and not shared: the
// parser copies each region of the file in and the parsed rows out, and copies into or out of a
// SharedArrayBuffer are element by element in V8 (measured: 1.2 GB/s, against memcpy speed here).
// The file is not `.ts` so that TypeScript and ESLint leave AssemblyScript's types alone.

// ---------------------------------------------------------------------------------------------------
// A line is taken here only when it is the common case: an unquoted, non-empty file name not starting
// with a space or tab, and every number field exactly `[+-] digits [. digits]` with 1–9 digits in all.
// Its value is computed exactly as the TypeScript fast path does — the digits in an
// integer, one float64 division by an exact power of ten, then rounded to float32 — so the two agree
// bit for bit. Anything else (a quote, an exponent, more digits, a wrong column count, a stray
// character, a space, a label that is not an integer, a blank line) is handed back, and the TypeScript parser
// takes that line, with its exact error messages.
// ---------------------------------------------------------------------------------------------------

/** Role codes of `roles` (formats/embeddingsCsv.ts `Role`). */
const ROLE_EMBEDDING: i32 = 0;
const ROLE_IGNORED: i32 = 2;
/** Line status: taken here, or handed back to the TypeScript parser. */
const LINE_PARSED: i32 = 0;
const LINE_HANDED_BACK: i32 = 1;

/**
 * Parses the lines of bytes [buf, buf + len), which ends with a line feed, up to `maxLines` lines. For
 * line i it writes four int32 at `lines` + 16·i: the line's start, the offset of its line feed, the
 * end of its file name, and its status; for a parsed line, the `dim` embedding values as float32 at
 * `values` + 4·dim·i and the label as int32 at `labels` + 4·i. `roles` holds one int32 role per column
 * after the file name. Returns the number of lines written. The 16 bytes after the input must be
 * readable and `buf` must be at least 8: the loops read whole 16- and 8-byte words around a field (what
 * lies outside it is masked off).
 */
export function csvRows(buf: usize, len: i32, roles: usize, columns: i32, dim: i32, values: usize, labels: usize, lines: usize, maxLines: i32): i32 {
  let count = 0;
  let start = 0;
  const newline = i8x16.splat(10);
  while (start < len && count < maxLines) {
    // The line feed, 16 bytes at a time (the input ends with one, so the scan stops there).
    let lf = start;
    for (;;) {
      const mask = i8x16.bitmask(i8x16.eq(v128.load(buf + lf), newline));
      if (mask != 0) {
        lf += ctz(mask);
        break;
      }
      lf += 16;
    }
    const meta = lines + (<usize>count << 4);
    store<i32>(meta, start);
    store<i32>(meta, lf, 4);
    const nameEnd = csvRow(buf, start, lf, roles, columns, values + (<usize>count * <usize>dim << 2), labels + (<usize>count << 2));
    store<i32>(meta, nameEnd < 0 ? 0 : nameEnd, 8);
    store<i32>(meta, nameEnd < 0 ? LINE_HANDED_BACK : LINE_PARSED, 12);
    count++;
    start = lf + 1;
  }
  return count;
}

/** 10^n as float64 for n in 0…9 (exact). No table: static data would land in the imported memory. */
// @ts-ignore: decorator
@inline function pow10(n: i32): f64 {
  switch (n) {
    case 0: return 1;
    case 1: return 10;
    case 2: return 100;
    case 3: return 1e3;
    case 4: return 1e4;
    case 5: return 1e5;
    case 6: return 1e6;
    case 7: return 1e7;
    case 8: return 1e8;
    default: return 1e9;
  }
}

/**
 * The integer value of the n ASCII digits at [q, q + n), 1 ≤ n ≤ 8: one 8-byte load ending at q + n, the
 * bytes before q replaced by '0', then the eight-digit multiply-and-shift of fast_float
 * (`parse_eight_digits_unrolled`).
 */
// @ts-ignore: decorator
@inline function digitsValue(q: usize, n: i32): u64 {
  let v = load<u64>(q + <usize>n - 8);
  const low: u64 = (<u64>1 << (<u64>(8 - n) << 3)) - 1;
  v = ((v & ~low) | (0x3030303030303030 & low)) - 0x3030303030303030;
  v = v * 10 + (v >> 8);
  v = ((v & 0x000000ff000000ff) * 0x000f424000000064 + ((v >> 16) & 0x000000ff000000ff) * 0x0000271000000001) >> 32;
  return v & 0xffffffff;
}

/** The value of the n digits at q, 0 ≤ n ≤ 9 (the nine-digit case is rare, and a plain loop). */
// @ts-ignore: decorator
@inline function fieldDigits(q: usize, n: i32): u64 {
  if (n == 0) return 0;
  if (n < 9) return digitsValue(q, n);
  let value: u64 = 0;
  for (let i = 0; i < 9; i++) value = value * 10 + <u64>(load<u8>(q + i) - 48);
  return value;
}

/**
 * One line [start, lf): the end of its file name, or −1 to hand the line back.
 *
 * Each number field is read from one 16-byte load: masks of its digits, dot and comma give the sign,
 * the digit runs before and after the dot and the field's end without a byte loop, and the sign is
 * applied without a branch. Measured per number on the benchmark's file (random signs): a byte loop
 * with a branch on the sign, 35 ns; this, 19 ns; finding all commas first so that fields do not wait on
 * each other, 30 ns (more instructions per field, which is what bounds this loop). A field with
 * anything else — a space, an exponent, more than nine digits — hands the line back.
 */
function csvRow(buf: usize, start: i32, lf: i32, roles: usize, columns: i32, out: usize, label: usize): i32 {
  let end = lf;
  if (end > start && load<u8>(buf + end - 1) == 13) end--;
  if (end == start) return -1;
  const first = load<u8>(buf + start);
  if (first == 34 || first == 32 || first == 9 || first == 44) return -1; // quote, space, tab, empty name
  let p = start;
  while (p < end && load<u8>(buf + p) != 44) p++;
  const nameEnd = p;
  let dimIndex: usize = 0;
  const zero = i8x16.splat(48), ten = i8x16.splat(10), dot = i8x16.splat(46), comma = i8x16.splat(44);
  for (let c = 0; c < columns; c++) {
    if (p >= end) return -1;
    p++; // the comma
    const role = load<i32>(roles + (<usize>c << 2));
    if (role == ROLE_IGNORED) {
      while (p < end && load<u8>(buf + p) != 44) p++;
      continue;
    }
    const bytes = v128.load(buf + p);
    const digitBits = i8x16.bitmask(i8x16.lt_u(i8x16.sub(bytes, zero), ten));
    const dotBits = i8x16.bitmask(i8x16.eq(bytes, dot));
    const commaBits = i8x16.bitmask(i8x16.eq(bytes, comma));
    const sign = i8x16.extract_lane_u(bytes, 0);
    const negative = sign == 45;
    const signLength = <i32>negative | <i32>(sign == 43);
    const whole = ctz(~(digitBits >> signLength));
    let q = signLength + whole;
    const hasDot = (dotBits >> q) & 1;
    const fraction = ctz(~(digitBits >> (q + 1))) & -hasDot;
    q += hasDot + fraction;
    const digits = whole + fraction;
    // At most nine digits keep the integer exact and the field inside the 16 bytes read.
    if (digits == 0 || digits > 9) return -1;
    const fieldEnd = p + q;
    if (fieldEnd != end && ((commaBits >> q) & 1) == 0) return -1; // a space, an exponent, a stray byte
    // The nine-digit integer and one division by an exact power of ten, as the TypeScript fast path.
    const wholeValue = fieldDigits(buf + p + signLength, whole);
    const fractionValue = fieldDigits(buf + p + signLength + whole + 1, fraction);
    const scale = pow10(fraction);
    const magnitude: f64 = (<f64>wholeValue * scale + <f64>fractionValue) / scale;
    const v = select<f64>(-magnitude, magnitude, negative);
    p = fieldEnd;
    if (role == ROLE_EMBEDDING) {
      store<f32>(out + (dimIndex << 2), <f32>v);
      dimIndex++;
    } else {
      if (Math.floor(v) != v) return -1;
      store<i32>(label, <i32>v);
    }
  }
  if (p < end) return -1;
  return nameEnd;
}
