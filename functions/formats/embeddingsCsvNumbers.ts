/**
 * The numbers of an embeddings CSV data line, read by hand from its UTF-8 bytes: the roles of the
 * columns, and {@link FieldNumberReader}, which turns one field's
 * digits into a number. Rounding follows `Number()` (and `Math.fround(Number(text))` for float32 values)
 * to the bit; see the module comment of `embeddingsCsv.ts`.
 */

/** What a column after `filenames` holds. */
export const enum Role {
  Embedding = 0,
  Label = 1,
  Ignored = 2,
}

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i);

const PLUS = 43;
export const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
// Digit tests are written `d >>> 0 > 9` with d = byte - ZERO: one unsigned comparison (d < 0 wraps to a
// large value) in the innermost loop.
/** Significant digits that a double holds exactly (10^15 < 2^53): {@link FieldNumberReader.readDecimal}. */
const EXACT_DIGITS = 15;
/** Significant digits {@link FieldNumberReader.readDecimal} accumulates at most (10^19 < 2^64). */
const MAX_DIGITS = 19;
/**
 * A bound on the relative error of a 16–19-digit mantissa accumulated in a double and scaled once (at
 * most 19 roundings of 2^-53 each, and the scaling's), with room to spare.
 */
const ACCUMULATED_ERROR = 2 ** -44;
const UPPER_E = 69;
const LOWER_E = 101;

/**
 * Reads the number a field starts with. It checks nothing after the number (spaces, a comma, garbage)
 * nor its range: the parser does, knowing the column. One instance per parser, reused for every field,
 * so that a read returns a plain number and leaves where it stopped in {@link end}.
 */
export class FieldNumberReader {
  /** Set by each read: the index just after the number it read. */
  end = 0;
  /**
   * Set by {@link readField}: whether the number took {@link readDecimal}. Only those numbers can leave
   * the float32 or int32 range (the fast path's are below 10^9).
   */
  wide = false;

  /**
   * Reads the number of the field at `p` (spaces before it already skipped); NaN when the field does not
   * start with a decimal number. `float32`: the value is an embedding value, kept as float32.
   *
   * Fast path for the usual field, [+-] digits [. digits] with at most 9 digits in all: the digits
   * accumulate in a small integer and one division by an exact power of ten rounds once, as Number()
   * does. Anything else (more digits, an exponent, an empty field) takes readDecimal. This repeats the
   * first loops of readDecimal on purpose: with a small-integer accumulator the whole parse of the
   * benchmark's 124 MB file took 0.5–0.6 CPU seconds, against 1.1–1.4 through readDecimal alone.
   */
  readField(b: Buffer, p: number, end: number, float32: boolean): number {
    let i = p;
    let negative = false;
    if (i < end) {
      const sign = b[i]!;
      if (sign === MINUS) {
        negative = true;
        i++;
      } else if (sign === PLUS) i++;
    }
    let mantissa = 0;
    let digits = 0;
    let fractionDigits = 0;
    while (i < end) {
      const d = b[i]! - ZERO;
      if (d >>> 0 > 9) break;
      // Capped so that the accumulator stays a small integer; longer fields go to readDecimal anyway.
      if (++digits <= 9) mantissa = mantissa * 10 + d;
      i++;
    }
    if (i < end && b[i] === DOT) {
      i++;
      while (i < end) {
        const d = b[i]! - ZERO;
        if (d >>> 0 > 9) break;
        if (++digits <= 9) mantissa = mantissa * 10 + d;
        fractionDigits++;
        i++;
      }
    }
    if (digits === 0 || digits > 9 || (i < end && (b[i] === LOWER_E || b[i] === UPPER_E))) {
      this.wide = true;
      return this.readDecimal(b, p, end, float32);
    }
    this.wide = false;
    this.end = i;
    const v = fractionDigits === 0 ? mantissa : mantissa / POW10[fractionDigits]!;
    return negative ? -v : v;
  }

  /**
   * Reads a decimal number, [+-] digits [. digits] [(e|E) [+-] digits], starting at `p`; sets
   * {@link end}. NaN when there is none there. Beyond float64 it is ±Infinity, which the parser refuses
   * once the field is known to hold nothing else. Up to 15 significant digits are exact in the mantissa (10^15 < 2^53), and a power
   * of ten up to 22 is exact, so one multiplication or division rounds once, as Number() does.
   *
   * With 16–19 digits the accumulation itself rounds, and a result taken as it is would sometimes be one
   * float32 step off `Math.fround(Number(text))` (7 % of 17-digit spellings of float32 midpoints were).
   * For a `float32` value the result is kept only when the whole interval it may be off by rounds to the
   * same float32, which is nearly always (Python writes float64 embeddings with 17 digits, and Number()
   * on each made such a file's parse take 1.5–2 times as long); otherwise, and beyond, Number().
   */
  readDecimal(b: Buffer, p: number, end: number, float32: boolean): number {
    let i = p;
    let negative = false;
    if (i < end) {
      const sign = b[i]!;
      if (sign === MINUS) {
        negative = true;
        i++;
      } else if (sign === PLUS) i++;
    }
    let mantissa = 0;
    let digits = 0;
    let exp10 = 0;
    let any = false;
    while (i < end) {
      const d = b[i]! - ZERO;
      if (d >>> 0 > 9) break;
      if (digits < MAX_DIGITS) {
        mantissa = mantissa * 10 + d;
        if (mantissa !== 0) digits++;
      } else digits++;
      any = true;
      i++;
    }
    if (i < end && b[i] === DOT) {
      i++;
      while (i < end) {
        const d = b[i]! - ZERO;
        if (d >>> 0 > 9) break;
        if (digits < MAX_DIGITS) {
          mantissa = mantissa * 10 + d;
          if (mantissa !== 0) digits++;
          exp10--;
        } else digits++;
        any = true;
        i++;
      }
    }
    if (!any) return NaN;
    if (i < end && (b[i] === LOWER_E || b[i] === UPPER_E)) {
      i++;
      let expNegative = false;
      if (i < end) {
        const sign = b[i]!;
        if (sign === MINUS) {
          expNegative = true;
          i++;
        } else if (sign === PLUS) i++;
      }
      let e = 0;
      let expDigits = 0;
      while (i < end) {
        const d = b[i]! - ZERO;
        if (d >>> 0 > 9) break;
        if (e < 100000) e = e * 10 + d;
        expDigits++;
        i++;
      }
      if (expDigits === 0) return NaN;
      exp10 += expNegative ? -e : e;
    }
    let value: number;
    if (mantissa === 0) value = 0;
    else if (digits > MAX_DIGITS || exp10 > 22 || exp10 < -22) value = Math.abs(Number(b.toString('latin1', p, i)));
    else {
      value = exp10 === 0 ? mantissa : exp10 > 0 ? mantissa * POW10[exp10]! : mantissa / POW10[-exp10]!;
      if (digits > EXACT_DIGITS) {
        const low = Math.fround(value * (1 - ACCUMULATED_ERROR));
        // (An infinite `low` is beyond float32: Number() gives the finite value that checkRange names.)
        value = float32 && low === Math.fround(value * (1 + ACCUMULATED_ERROR)) && low !== Infinity ? low : Math.abs(Number(b.toString('latin1', p, i)));
      }
    }
    if (negative) value = -value;
    this.end = i;
    return value;
  }
}
