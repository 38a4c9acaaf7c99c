/**
 * BALANCE (dynamic): steer the picked class distribution towards a target.
 *
 * Each image has a class-count vector (metadata value → one-hot; predictions → the sum of its objects'
 * probability vectors, or one-hot of `category_id`). Classes the `target` does not name share one
 * "other" bucket whose target is max(0, 1 − Σ target). `UNIFORM` targets 1/K for each of the K classes
 * present in the pool; `INPUT` targets the pool's own distribution.
 *
 * Objective: the reduction of the squared Euclidean distance between the picked distribution and the
 * target that picking the unit brings, min-max scaled over the candidates to [ε, 1] (candidates that
 * reduce it most score exactly 1, so with a huge strength the other strategies choose among them). An
 * image with an all-zero vector changes nothing. A class the pool runs out of simply stops improving.
 */
import { z } from 'zod';
import { classesOf, defineStrategy, finite, strategySchema, type ClassColumn } from './definition.js';
import type { GroupedTerm, SelectionStrategy } from './strategy.js';

export const DISTRIBUTIONS = ['TARGET', 'UNIFORM', 'INPUT'] as const;

export const BALANCE_EPSILON = 1e-6;
export const OTHER_BUCKET = '(other)';

export interface BalanceVectors {
  /** Bucket names (target classes, then "other" if any class is unnamed). */
  readonly buckets: readonly string[];
  /**
   * The class-count vectors, read at {@link vectorOffset}: row-major images × buckets; for one-hot vectors
   * only the unit vector of each bucket, then the all-zero vector of images without a class
   * ((buckets + 1) × buckets).
   */
  readonly values: Float64Array;
  /** For one-hot vectors (metadata): the bucket of each image (negative = none), else undefined. */
  readonly oneHot?: Int32Array;
}

/** The slot of a one-hot bucket in the unit vectors: the bucket itself, or `b` (all zeros) for none. */
const slotOfBucket = (bucket: number, b: number) => (bucket < 0 ? b : bucket);

/** Offset in `vectors.values` of the class-count vector of image `row`. */
export function vectorOffset(vectors: BalanceVectors, row: number): number {
  const b = vectors.buckets.length;
  return vectors.oneHot ? slotOfBucket(vectors.oneHot[row]!, b) * b : row * b;
}

/** The unit vector of each of `b` buckets, then the zero vector: (b + 1) × b. */
function unitVectors(b: number): Float64Array {
  const values = new Float64Array((b + 1) * b);
  for (let slot = 0; slot < b; slot++) values[slot * b + slot] = 1;
  return values;
}

/** Folds class counts into target buckets; returns the vectors and the target distribution. */
export function bucketise(
  column: ClassColumn,
  rows: number,
  distribution: 'TARGET' | 'UNIFORM' | 'INPUT',
  target: Readonly<Record<string, number>> | undefined,
  poolRows: Uint8Array,
): { vectors: BalanceVectors; target: Float64Array } {
  const classes = classesOf(column);
  const k = classes.length;
  let buckets: string[];
  let bucketOf: number[];
  let targetShares: number[];
  if (distribution === 'TARGET') {
    const named = Object.keys(target ?? {});
    const index = new Map(named.map((name, i) => [name, i]));
    const hasOther = classes.some((c) => !index.has(c));
    buckets = hasOther ? [...named, OTHER_BUCKET] : named;
    bucketOf = classes.map((c) => index.get(c) ?? named.length);
    const namedTotal = named.reduce((sum, name) => sum + target![name]!, 0);
    targetShares = [...named.map((name) => target![name]!), ...(hasOther ? [Math.max(0, 1 - namedTotal)] : [])];
  } else {
    buckets = [...classes];
    bucketOf = classes.map((_, i) => i);
    const totals = new Float64Array(k);
    if (column.oneHot) {
      // A one-hot vector adds 1 to its class and 0 to the others: whole numbers, the same sums.
      const { codes } = column.oneHot;
      for (let r = 0; r < rows; r++) if (poolRows[r] && codes[r]! >= 0) totals[codes[r]!]! += 1;
    } else {
      const { counts } = column.counts;
      for (let r = 0; r < rows; r++) {
        if (!poolRows[r]) continue;
        for (let c = 0; c < k; c++) totals[c]! += counts[r * k + c]!;
      }
    }
    const all = totals.reduce((a, b) => a + b, 0);
    if (distribution === 'UNIFORM') {
      const present = totals.filter((t) => t > 0).length;
      targetShares = [...totals].map((t) => (t > 0 && present > 0 ? 1 / present : 0));
    } else {
      targetShares = [...totals].map((t) => (all > 0 ? t / all : 0));
    }
  }
  const b = buckets.length;
  const targetDistribution = Float64Array.from(targetShares);
  if (column.oneHot) {
    const { codes } = column.oneHot;
    // When every class is its own bucket, the codes are the buckets.
    let oneHot = codes;
    if (!bucketOf.every((bucket, c) => bucket === c)) {
      oneHot = new Int32Array(rows);
      for (let r = 0; r < rows; r++) oneHot[r] = codes[r]! < 0 ? -1 : bucketOf[codes[r]!]!;
    }
    return { vectors: { buckets, values: unitVectors(b), oneHot }, target: targetDistribution };
  }
  const { counts } = column.counts;
  const folded = new Float64Array(rows * b);
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) folded[r * b + bucketOf[c]!]! += counts[r * k + c]!;
  return { vectors: { buckets, values: folded }, target: targetDistribution };
}

export class BalanceStrategy implements SelectionStrategy {
  readonly type = 'BALANCE';
  private readonly picked: Float64Array;
  private total = 0;
  /** The reduction per unit; one-hot vectors have {@link slotReduction} instead. */
  private readonly reduction: Float64Array | undefined;
  private current: Float64Array | undefined;
  private rmin = 0;
  private rmax = 0;
  private readonly b: number;
  /** One-hot vectors: the reduction per bucket slot. */
  private readonly slotReduction: Float64Array | undefined;
  readonly groupedTerm?: GroupedTerm;

  constructor(
    readonly entry: number,
    readonly strength: number,
    readonly vectors: BalanceVectors,
    readonly target: Float64Array,
    private readonly imageOf: (unit: number) => number,
    units: number,
  ) {
    this.b = vectors.buckets.length;
    this.picked = new Float64Array(this.b);
    if (vectors.oneHot) {
      // The images of a slot share one vector, so they share its reduction.
      this.reduction = undefined;
      this.slotReduction = new Float64Array(this.b + 1);
      this.groupedTerm = {
        groupCount: this.b + 1,
        groupOf: (unit) => this.slotOf(unit),
        terms: (activePerGroup) => this.slotTerms((slot) => activePerGroup[slot]! > 0),
      };
    } else {
      this.reduction = new Float64Array(units);
      this.slotReduction = undefined;
    }
  }

  /** Squared distance of the distribution `counts / total` to the target. */
  private distance(counts: Float64Array, extra: Float64Array | undefined, extraOffset: number, total: number): number {
    let d = 0;
    for (let c = 0; c < this.b; c++) {
      const p = total > 0 ? (counts[c]! + (extra ? extra[extraOffset + c]! : 0)) / total : 0;
      const diff = p - this.target[c]!;
      d += diff * diff;
    }
    return d;
  }

  /** The reduction that picking the vector at `offset` of the vectors' values brings. */
  private reductionOf(offset: number, before: number): number {
    const { values } = this.vectors;
    const b = this.b;
    let size = 0;
    for (let c = 0; c < b; c++) size += values[offset + c]!;
    if (size === 0) return 0;
    const after = this.distance(this.picked, values, offset, this.total + size);
    // Rounded so that float noise between equally good candidates cannot outweigh other strategies
    // under a huge strength.
    return Math.round((before - after) * 1e12) / 1e12;
  }

  /** Bucket slot of a unit with one-hot vectors; the last slot holds images without a class. */
  private slotOf(unit: number): number {
    return slotOfBucket(this.vectors.oneHot![this.imageOf(unit)]!, this.b);
  }

  /**
   * One-hot vectors (metadata) take one value per bucket: each bucket is computed once, and so is its
   * log. Sets the reductions of the slots marked present and their range; returns each present slot's
   * term (0 for the others).
   */
  private slotTerms(present: (slot: number) => boolean): Float64Array {
    const before = this.distance(this.picked, undefined, 0, this.total);
    const slots = this.slotReduction!;
    let rmin = Infinity;
    let rmax = -Infinity;
    for (let slot = 0; slot <= this.b; slot++) {
      if (!present(slot)) continue;
      const r = this.reductionOf(slot * this.b, before);
      slots[slot] = r;
      if (r < rmin) rmin = r;
      if (r > rmax) rmax = r;
    }
    this.rmin = rmin;
    this.rmax = rmax;
    this.current = slots;
    const terms = new Float64Array(this.b + 1);
    const s = this.strength;
    if (s === 0) return terms;
    for (let slot = 0; slot <= this.b; slot++) if (present(slot)) terms[slot] = s * this.logOf(slots[slot]!);
    return terms;
  }

  private logOf(r: number): number {
    const span = this.rmax - this.rmin;
    return Math.log(span > 0 ? BALANCE_EPSILON + (1 - BALANCE_EPSILON) * ((r - this.rmin) / span) : 1);
  }

  addScores(active: Int32Array, activeCount: number, scores: Float64Array): void {
    if (this.vectors.oneHot) {
      const present = new Uint8Array(this.b + 1);
      for (let i = 0; i < activeCount; i++) present[this.slotOf(active[i]!)] = 1;
      const terms = this.slotTerms((slot) => present[slot] === 1);
      if (this.strength === 0) return;
      for (let i = 0; i < activeCount; i++) {
        const u = active[i]!;
        scores[u]! += terms[this.slotOf(u)]!;
      }
      return;
    }
    const reduction = this.reduction!;
    const before = this.distance(this.picked, undefined, 0, this.total);
    let rmin = Infinity;
    let rmax = -Infinity;
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      const r = this.reductionOf(this.imageOf(u) * this.b, before);
      reduction[u] = r;
      if (r < rmin) rmin = r;
      if (r > rmax) rmax = r;
    }
    this.rmin = rmin;
    this.rmax = rmax;
    this.current = reduction;
    const s = this.strength;
    if (s === 0) return;
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      scores[u]! += s * this.logOf(reduction[u]!);
    }
  }

  objectiveOf(unit: number): number {
    if (!this.current) return 1;
    const span = this.rmax - this.rmin;
    const r = this.vectors.oneHot ? this.slotReduction![this.slotOf(unit)]! : this.reduction![unit]!;
    return span > 0 ? BALANCE_EPSILON + (1 - BALANCE_EPSILON) * ((r - this.rmin) / span) : 1;
  }

  onPick(_units: Int32Array, _active: Int32Array, _activeCount: number, row: number): void {
    // Class counts belong to the image: counted once per picked image.
    const { values } = this.vectors;
    const offset = vectorOffset(this.vectors, row);
    for (let c = 0; c < this.b; c++) {
      this.picked[c]! += values[offset + c]!;
      this.total += values[offset + c]!;
    }
  }

  /** Picked share per bucket (for reports). */
  shares(): Record<string, number> {
    return Object.fromEntries(this.vectors.buckets.map((name, c) => [name, this.total > 0 ? this.picked[c]! / this.total : 0]));
  }

  report(): string {
    const shares = this.shares();
    const parts = this.vectors.buckets.map((name, c) => `${name} ${shares[name]!.toFixed(3)} (target ${Number(this.target[c]!.toFixed(3))})`);
    return `strategies[${this.entry}] BALANCE: picked shares ${parts.join(', ')}`;
  }

  snapshot(): unknown {
    return { picked: Array.from(this.picked), total: this.total };
  }

  restore(state: unknown): void {
    const s = state as { picked: number[]; total: number };
    this.picked.set(s.picked);
    this.total = s.total;
  }
}

export const balance = defineStrategy({
  type: 'BALANCE',
  schema: strategySchema('BALANCE', {
    target: z.record(z.string(), finite.min(0, 'shares must be ≥ 0')).optional(),
    distribution: z.enum(DISTRIBUTIONS).default('TARGET'),
  }),
  kind: 'dynamic',
  reads: 'classes',
  check: (strategy) => {
    if (strategy.distribution === 'TARGET' && strategy.target === undefined) {
      return { at: 'strategy.target', message: 'strategy BALANCE with distribution TARGET (the default) needs a target {class: share}; or set distribution UNIFORM or INPUT' };
    }
    const total = Object.values(strategy.target ?? {}).reduce((a, b) => a + b, 0);
    if (total > 1 + 1e-9) return { at: 'strategy.target', message: `the shares of the BALANCE target add up to ${total}, more than 1` };
    return undefined;
  },
  build: ({ index, strength, strategy, source, units, poolRows, classes }) => {
    const { vectors, target } = bucketise(classes(), source.rowCount, strategy.distribution, strategy.target, poolRows);
    return new BalanceStrategy(index, strength, vectors, target, (u) => units.imageOf(u), units.count);
  },
  figure: {
    shares: (strategy, options) =>
      strategy instanceof BalanceStrategy
        ? {
            buckets: strategy.vectors.buckets,
            values: strategy.vectors.values,
            offsetOf: (row) => vectorOffset(strategy.vectors, row),
            target: strategy.target,
            distribution: options.distribution,
          }
        : undefined,
  },
});
