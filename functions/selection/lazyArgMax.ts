/**
 * The greedy combiner's arg-max without a scan over every candidate (lazy greedy).
 *
 * A candidate's score is static + Σ non-increasing terms (its "key") + the term of its group. Keys only
 * fall between picks, so a key computed earlier is an upper bound of the key now. Each group keeps a
 * max-heap of candidates by their last computed key (ties: lower unit first). To find a group's best
 * candidate, the top is re-scored; if its key is unchanged it beats every other candidate of the group
 * (their keys are at most their bounds, which are at most its key), otherwise it sinks to its new place
 * and the next top is tried. The best pick is then the best group top plus its group term.
 *
 * Exactness: keys are summed in the order the scan sums (static, then the non-increasing terms in
 * strategy order, then the group term), NaN counts as −∞ as in the scan, and ties go to the lower unit.
 * When a strategy starts a new epoch (DIVERSITY's first pick lifts its term from 0 to log(distance)) the
 * bounds no longer hold and the heaps are rebuilt.
 */
import type { SelectionStrategy } from './strategies/strategy.js';

/** Whether the lazy arg-max gives the scan's picks for these strategies. */
export function lazyArgMaxApplies(strategies: readonly SelectionStrategy[]): boolean {
  if (strategies.some((s) => s.admissible)) return false;
  const dynamic = strategies.filter((s) => s.addScores);
  if (dynamic.some((s) => !s.nonIncreasingTerm && !s.groupedTerm)) return false;
  // One grouping: two of them would need groups of their product.
  return dynamic.filter((s) => s.groupedTerm).length <= 1;
}

export class LazyArgMax {
  /** Last computed key per unit: an upper bound of its key now. */
  private readonly bound: Float64Array;
  /** Heap storage: group g occupies [offset[g], offset[g] + size[g]). */
  private readonly heap: Int32Array;
  private readonly offset: Int32Array;
  private readonly size: Int32Array;
  /** Candidates per group still in play (the grouped strategy's terms depend on which groups have any). */
  private readonly activePerGroup: Int32Array;
  private readonly groupOf: Int32Array;
  private readonly monotone: SelectionStrategy[];
  private readonly grouped: SelectionStrategy | undefined;
  private epochs: number[] | undefined;

  constructor(
    units: number,
    private readonly staticScore: Float64Array,
    dynamic: readonly SelectionStrategy[],
    private readonly isActive: (unit: number) => boolean,
  ) {
    this.monotone = dynamic.filter((s) => !s.groupedTerm);
    this.grouped = dynamic.find((s) => s.groupedTerm);
    const groups = this.grouped?.groupedTerm!.groupCount ?? 1;
    this.bound = new Float64Array(units);
    this.heap = new Int32Array(units);
    this.groupOf = new Int32Array(units);
    this.offset = new Int32Array(groups + 1);
    this.size = new Int32Array(groups);
    this.activePerGroup = new Int32Array(groups);
  }

  /** A unit left the candidates (picked, or its image was). */
  remove(unit: number): void {
    // Heaps drop it lazily when it surfaces; only the group's count changes now.
    if (this.epochs) this.activePerGroup[this.groupOf[unit]!]!--;
  }

  best(active: Int32Array, activeCount: number): number {
    const epochs = this.monotone.map((s) => s.termEpoch?.() ?? 0);
    if (!this.epochs || epochs.some((e, i) => e !== this.epochs![i])) this.rebuild(active, activeCount, epochs);
    const terms = this.grouped ? this.grouped.groupedTerm!.terms(this.activePerGroup) : undefined;
    let best = -1;
    let bestScore = -Infinity;
    for (let g = 0; g < this.size.length; g++) {
      let top = this.freshTop(g);
      if (top < 0) continue;
      let score = terms ? this.bound[top]! + terms[g]! : this.bound[top]!;
      if (Number.isNaN(score)) score = -Infinity;
      if (terms) top = this.lowestTied(g, top, score, terms[g]!);
      if (best >= 0 && (score < bestScore || (score === bestScore && top > best))) continue;
      best = top;
      bestScore = score;
    }
    return best;
  }

  /**
   * Adding the group term can round two different keys to one score, and then the scan takes the lower
   * unit. Candidates whose bound + term reaches `score` are the only ones that can tie; a heap subtree
   * whose root falls short holds none of them.
   */
  private lowestTied(g: number, top: number, score: number, term: number): number {
    const base = this.offset[g]!;
    const size = this.size[g]!;
    let lowest = top;
    const stack = [1, 2];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (i >= size) continue;
      const u = this.heap[base + i]!;
      if (!(this.bound[u]! + term >= score)) continue;
      stack.push(2 * i + 1, 2 * i + 2);
      if (u < lowest && this.isActive(u)) {
        let s = this.key(u) + term;
        if (Number.isNaN(s)) s = -Infinity;
        if (s === score) lowest = u;
      }
    }
    return lowest;
  }

  private key(unit: number): number {
    let key = this.staticScore[unit]!;
    for (const s of this.monotone) key += s.nonIncreasingTerm!(unit);
    return Number.isNaN(key) ? -Infinity : key;
  }

  private rebuild(active: Int32Array, activeCount: number, epochs: number[]): void {
    this.epochs = epochs;
    const groups = this.size.length;
    const grouping = this.grouped?.groupedTerm;
    this.activePerGroup.fill(0);
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      const g = grouping ? grouping.groupOf(u) : 0;
      this.groupOf[u] = g;
      this.activePerGroup[g]!++;
    }
    for (let g = 0; g < groups; g++) this.offset[g + 1] = this.offset[g]! + this.activePerGroup[g]!;
    this.size.fill(0);
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      const g = this.groupOf[u]!;
      this.bound[u] = this.key(u);
      this.heap[this.offset[g]! + this.size[g]!++] = u;
    }
    for (let g = 0; g < groups; g++) for (let i = (this.size[g]! >> 1) - 1; i >= 0; i--) this.siftDown(g, i);
  }

  /** The group's best candidate now, or −1 when it has none. */
  private freshTop(g: number): number {
    const base = this.offset[g]!;
    for (;;) {
      if (this.size[g] === 0) return -1;
      const top = this.heap[base]!;
      if (!this.isActive(top)) {
        this.heap[base] = this.heap[base + --this.size[g]!]!;
        this.siftDown(g, 0);
        continue;
      }
      const key = this.key(top);
      if (key === this.bound[top]) return top;
      this.bound[top] = key;
      this.siftDown(g, 0);
    }
  }

  /** Whether unit a goes above unit b: higher bound, then lower unit. */
  private above(a: number, b: number): boolean {
    const ka = this.bound[a]!;
    const kb = this.bound[b]!;
    return ka > kb || (ka === kb && a < b);
  }

  private siftDown(g: number, start: number): void {
    const base = this.offset[g]!;
    const size = this.size[g]!;
    const heap = this.heap;
    let i = start;
    const unit = heap[base + i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && this.above(heap[base + child + 1]!, heap[base + child]!)) child++;
      if (!this.above(heap[base + child]!, unit)) break;
      heap[base + i] = heap[base + child]!;
      i = child;
    }
    heap[base + i] = unit;
  }
}
