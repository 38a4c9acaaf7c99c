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
import { defineStrategy, finite, strategySchema } from './definition.js';
import type { GroupedTerm, SelectionStrategy } from './strategy.js';

export const DISTRIBUTIONS = ['TARGET', 'UNIFORM', 'INPUT'] as const;

export const BALANCE_EPSILON = 1e-6;
export const OTHER_BUCKET = '(other)';

export interface BalanceVectors {
  /** Bucket names (target classes, then "other" if any class is unnamed). */
  readonly buckets: readonly string[];
  /** Row-major images × buckets. */
  readonly counts: Float64Array;
  /** For one-hot vectors (metadata): the bucket of each image (−1 = none), else undefined. */
  readonly oneHot?: Int32Array;
}

/** Folds class counts into target buckets; returns the vectors and the target distribution. */
export function bucketise(
  classes: readonly string[],
  counts: Float64Array,
  rows: number,
  oneHotClass: Int32Array | undefined,
  distribution: 'TARGET' | 'UNIFORM' | 'INPUT',
  target: Readonly<Record<string, number>> | undefined,
  poolRows: Uint8Array,
): { vectors: BalanceVectors; target: Float64Array } {
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
    for (let r = 0; r < rows; r++) {
      if (!poolRows[r]) continue;
      for (let c = 0; c < k; c++) totals[c]! += counts[r * k + c]!;
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
  const folded = new Float64Array(rows * b);
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) folded[r * b + bucketOf[c]!]! += counts[r * k + c]!;
  let oneHot: Int32Array | undefined;
  if (oneHotClass) {
    oneHot = new Int32Array(rows);
    for (let r = 0; r < rows; r++) oneHot[r] = oneHotClass[r]! < 0 ? -1 : bucketOf[oneHotClass[r]!]!;
  }
  return { vectors: { buckets, counts: folded, ...(oneHot ? { oneHot } : {}) }, target: Float64Array.from(targetShares) };
}

export class BalanceStrategy implements SelectionStrategy {
  readonly type = 'BALANCE';
  private readonly picked: Float64Array;
  private total = 0;
  private readonly reduction: Float64Array;
  private current: Float64Array | undefined;
  private rmin = 0;
  private rmax = 0;
  private readonly b: number;
  /** One-hot vectors: the reduction per bucket slot, and one image of each slot. */
  private readonly slotReduction: Float64Array | undefined;
  private readonly rowOfSlot: Int32Array | undefined;
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
    this.reduction = new Float64Array(units);
    const { oneHot } = vectors;
    if (oneHot) {
      // Any image of a slot stands for all of them: their vectors are the same one-hot.
      this.slotReduction = new Float64Array(this.b + 1);
      this.rowOfSlot = new Int32Array(this.b + 1).fill(-1);
      for (let row = oneHot.length - 1; row >= 0; row--) this.rowOfSlot[oneHot[row]! < 0 ? this.b : oneHot[row]!] = row;
      this.groupedTerm = {
        groupCount: this.b + 1,
        groupOf: (unit) => this.slotOf(unit),
        terms: (activePerGroup) => this.slotTerms((slot) => activePerGroup[slot]! > 0),
      };
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

  private reductionOf(row: number, before: number): number {
    const { counts } = this.vectors;
    const b = this.b;
    let size = 0;
    for (let c = 0; c < b; c++) size += counts[row * b + c]!;
    if (size === 0) return 0;
    const after = this.distance(this.picked, counts, row * b, this.total + size);
    // Rounded so that float noise between equally good candidates cannot outweigh other strategies
    // under a huge strength.
    return Math.round((before - after) * 1e12) / 1e12;
  }

  /** Bucket slot of a unit with one-hot vectors; the last slot holds images without a class. */
  private slotOf(unit: number): number {
    const bucket = this.vectors.oneHot![this.imageOf(unit)]!;
    return bucket < 0 ? this.b : bucket;
  }

  /**
   * One-hot vectors (metadata) take one value per bucket: each bucket is computed once, and so is its
   * log. Sets the reductions of the slots marked present and their range; returns each present slot's
   * term (0 for the others).
   */
  private slotTerms(present: (slot: number) => boolean): Float64Array {
    const before = this.distance(this.picked, undefined, 0, this.total);
    const slots = this.slotReduction!;
    const rowOfSlot = this.rowOfSlot!;
    let rmin = Infinity;
    let rmax = -Infinity;
    for (let slot = 0; slot <= this.b; slot++) {
      if (!present(slot)) continue;
      const r = this.reductionOf(rowOfSlot[slot]!, before);
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
    const before = this.distance(this.picked, undefined, 0, this.total);
    let rmin = Infinity;
    let rmax = -Infinity;
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      const r = this.reductionOf(this.imageOf(u), before);
      this.reduction[u] = r;
      if (r < rmin) rmin = r;
      if (r > rmax) rmax = r;
    }
    this.rmin = rmin;
    this.rmax = rmax;
    this.current = this.reduction;
    const s = this.strength;
    if (s === 0) return;
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      scores[u]! += s * this.logOf(this.reduction[u]!);
    }
  }

  objectiveOf(unit: number): number {
    if (!this.current) return 1;
    const span = this.rmax - this.rmin;
    const r = this.vectors.oneHot ? this.slotReduction![this.slotOf(unit)]! : this.reduction[unit]!;
    return span > 0 ? BALANCE_EPSILON + (1 - BALANCE_EPSILON) * ((r - this.rmin) / span) : 1;
  }

  onPick(_units: Int32Array, _active: Int32Array, _activeCount: number, row: number): void {
    // Class counts belong to the image: counted once per picked image.
    const { counts } = this.vectors;
    for (let c = 0; c < this.b; c++) {
      this.picked[c]! += counts[row * this.b + c]!;
      this.total += counts[row * this.b + c]!;
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
    const column = classes();
    const { counts, classes: names } = column.counts;
    const { vectors, target } = bucketise(names, counts, source.rowCount, column.oneHot, strategy.distribution, strategy.target, poolRows);
    return new BalanceStrategy(index, strength, vectors, target, (u) => units.imageOf(u), units.count);
  },
  figure: {
    shares: (strategy, options) =>
      strategy instanceof BalanceStrategy
        ? { buckets: strategy.vectors.buckets, counts: strategy.vectors.counts, target: strategy.target, distribution: options.distribution }
        : undefined,
  },
});
