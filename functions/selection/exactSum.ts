/**
 * The exact sum of float32 values, whatever the order they are added in and however they are split into
 * parts that are summed apart and merged: a small superaccumulator. A float32 is an integer mantissa
 * (below 2^24) times a power of two fixed by its exponent, so the accumulator keeps, per power of two,
 * an integer sum of mantissas in a float64 — exact while below 2^53. Before a bin could pass that, a
 * normalising step carries each bin's high part 32 powers of two up; the bins above the largest float32
 * exponent take those carries, so no sum of fewer than 2^53 values overflows.
 *
 * {@link ExactSum.value} is the exact sum correctly rounded to a float64: the same number for the same
 * values in any order and any split, and never less accurate than a float64 sum in sequence. NaN values
 * are skipped (they mean "missing" to the callers) and left out of {@link ExactSum.count}.
 */

/** Bin i holds an integer count of 2^(i − BIAS); bin 1 is also the subnormals' (biased exponent 0). */
const BIAS = 150;
/** Bits a normalised bin keeps; the rest is carried this many bins up. */
const CARRY_BITS = 32;
const CARRY = 2 ** CARRY_BITS;
/**
 * Bins: the float32 exponents (0–254), then 80 more that only take carries. A sum of fewer than 2^53
 * float32 values is below 2^128 × 2^53 = 2^181 = 2^(331 − BIAS), so the top bins (from 303, which carry
 * nowhere) hold integers far below 2^53.
 */
const BINS = 255 + 2 * CARRY_BITS + 16;
/** Mantissas (each below 2^24) added before a bin could pass 2^52: normalise after this many. */
const ADDS_BEFORE_NORMALISE = 2 ** 28;

/** The serialised state: the non-zero bins as [bin, integer] pairs, and what {@link ExactSum} counts. */
export interface ExactSumJson {
  readonly bins: readonly (readonly [number, number])[];
  readonly count: number;
  readonly positiveInfinity?: boolean;
  readonly negativeInfinity?: boolean;
}

export class ExactSum {
  private readonly bins = new Float64Array(BINS);
  private pendingAdds = 0;
  private positiveInfinity = false;
  private negativeInfinity = false;
  /** Values summed (every value added but NaN). */
  count = 0;

  /** Adds the values; NaN values are skipped. Returns this. */
  add(values: Float32Array): this {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const bins = this.bins;
    for (let start = 0; start < bits.length; start += ADDS_BEFORE_NORMALISE) {
      const end = Math.min(bits.length, start + ADDS_BEFORE_NORMALISE);
      if (this.pendingAdds + (end - start) > ADDS_BEFORE_NORMALISE) this.normalise();
      let added = 0;
      for (let i = start; i < end; i++) {
        const b = bits[i]!;
        const exponent = (b >>> 23) & 0xff;
        let mantissa = b & 0x7fffff;
        if (exponent === 0xff) {
          if (mantissa !== 0) continue;
          if (b >>> 31) this.negativeInfinity = true;
          else this.positiveInfinity = true;
          added++;
          continue;
        }
        if (exponent !== 0) mantissa |= 0x800000;
        if (b >>> 31) bins[exponent || 1]! -= mantissa;
        else bins[exponent || 1]! += mantissa;
        added++;
      }
      this.pendingAdds += end - start;
      this.count += added;
    }
    return this;
  }

  /** Adds another sum's values to this one. Returns this. */
  merge(other: ExactSum): this {
    this.normalise();
    other.normalise();
    for (let i = 0; i < BINS; i++) this.bins[i]! += other.bins[i]!;
    this.count += other.count;
    this.positiveInfinity ||= other.positiveInfinity;
    this.negativeInfinity ||= other.negativeInfinity;
    // Two normalised bins add up to below 2^33: room for the next normalisation.
    this.normalise();
    return this;
  }

  /** The exact sum rounded to the nearest float64 (ties to even); 0 for no values. */
  value(): number {
    if (this.positiveInfinity && this.negativeInfinity) return NaN;
    if (this.positiveInfinity) return Infinity;
    if (this.negativeInfinity) return -Infinity;
    let scaled = 0n;
    for (let i = BINS - 1; i >= 0; i--) {
      const bin = this.bins[i]!;
      if (bin !== 0) scaled += BigInt(bin) << BigInt(i);
    }
    // Number() of a BigInt rounds to nearest, ties to even; the scale back is an exact power of two
    // (the sum, if not 0, is at least 2^-149, far from float64's subnormals).
    return Number(scaled) * 2 ** -BIAS;
  }

  toJSON(): ExactSumJson {
    this.normalise();
    const bins: [number, number][] = [];
    for (let i = 0; i < BINS; i++) if (this.bins[i] !== 0) bins.push([i, this.bins[i]!]);
    return { bins, count: this.count, ...(this.positiveInfinity ? { positiveInfinity: true } : {}), ...(this.negativeInfinity ? { negativeInfinity: true } : {}) };
  }

  static fromJSON(json: ExactSumJson): ExactSum {
    const sum = new ExactSum();
    for (const [i, bin] of json.bins) {
      if (!Number.isInteger(i) || i < 0 || i >= BINS || !Number.isSafeInteger(bin)) throw new RangeError(`not an exact sum's bin: [${i}, ${bin}]`);
      sum.bins[i] = bin;
    }
    sum.count = json.count;
    sum.positiveInfinity = json.positiveInfinity === true;
    sum.negativeInfinity = json.negativeInfinity === true;
    sum.normalise();
    return sum;
  }

  /**
   * Carries each bin's part above 2^32 up 32 bins (floor division: what stays is in [0, 2^32)); the same
   * exact sum, with room for 2^28 more mantissas in every bin. The top bins only ever take carries: a
   * bin's carries add up to less than 2^21 per normalisation and, over all, to the values' magnitude
   * over the bin's power of two, far below 2^53.
   */
  private normalise(): void {
    const bins = this.bins;
    for (let i = 0; i < BINS - CARRY_BITS; i++) {
      const bin = bins[i]!;
      if (bin >= 0 && bin < CARRY) continue;
      const carry = Math.floor(bin / CARRY);
      bins[i] = bin - carry * CARRY;
      bins[i + CARRY_BITS]! += carry;
    }
    this.pendingAdds = 0;
  }
}
