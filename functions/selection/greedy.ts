/**
 * The greedy combiner: the one loop. At each step every admissible candidate gets
 * score = Σ strength × log(objective) over the strategies (a product of objective^strength, in log space
 * so no strategy's scale matters and nothing overflows); the highest score wins, ties to the lowest unit.
 * Static objectives are summed once; dynamic strategies add theirs before each pick and learn of each
 * pick. It stops at the target count, at a strategy's stopping condition, or when no admissible
 * candidate is left — it never pads.
 *
 * The loop can stop early at a deadline and resume from a {@link GreedyState} (the cloud workflow
 * checkpoints it when a Lambda nears its time limit). The picks alone are enough to resume: dynamic
 * strategies are rebuilt by replaying them (preselected first, then the picks in order), which gives the
 * exact state an uninterrupted run had. Strategy snapshots, when the state carries them, skip the replay
 * (DIVERSITY's replay costs one k-center update per pick).
 *
 * Finding the best candidate is a scan over all of them before every pick — unless every dynamic
 * strategy's term either never rises between picks (DIVERSITY: distances only shrink) or is the same
 * for a whole group (BALANCE over a metadata value: one term per class), and no strategy gates
 * candidates. Then {@link LazyArgMax} keeps one max-heap per group of upper bounds and re-scores only
 * the heap tops, which gives the same pick (ties included) at a fraction of the cost: the pick loop's
 * work outside the k-center kernel stops growing with the pool.
 */
import { LazyArgMax, lazyArgMaxApplies } from './lazyArgMax.js';
import type { SelectionStrategy } from './strategies/strategy.js';
import type { Units } from './units.js';

export interface PickExplanation {
  /** The picked unit (row, or object for object-level selections). */
  readonly unit: number;
  /** The image (row) selected by the pick. */
  readonly row: number;
  /** Σ strength × log(objective). */
  readonly score: number;
  /** Objective of each strategy (by config entry index) at the moment of the pick. */
  readonly objectives: readonly { readonly strategy: number; readonly objective: number }[];
}

/**
 * Why the loop stopped. TARGET_REACHED: the requested count; POOL_EXHAUSTED: no candidate left;
 * MIN_DISTANCE / MIN_TYPICALITY / MAX_SUM: that stopping condition; TARGET_RANGE: candidates are left but
 * none fits under a WEIGHTS target_range.max_sum; DEADLINE: interrupted, resumable (`done` is false).
 */
export type StopReason = 'TARGET_REACHED' | 'POOL_EXHAUSTED' | 'MIN_DISTANCE' | 'MIN_TYPICALITY' | 'MAX_SUM' | 'TARGET_RANGE' | 'DEADLINE';

export interface GreedyState {
  readonly picks: PickExplanation[];
  /** Per strategy (by position), its snapshot; without it, dynamic state is rebuilt from `picks`. */
  readonly strategies?: unknown[];
}

export interface GreedyProblem {
  readonly units: Units;
  readonly strategies: readonly SelectionStrategy[];
  /** Candidate units (the pool after thresholds), 1 = candidate. */
  readonly candidates: Uint8Array;
  /** Units of preselected images: picked before the loop, counted toward `target`. */
  readonly preselectedRows: readonly number[];
  /** Number of images to end with (preselected included). */
  readonly target: number;
  /** Find every pick by a scan over all candidates, even where the lazy arg-max applies (a reference). */
  readonly scanEveryPick?: boolean;
}

export interface GreedyResult {
  readonly done: boolean;
  readonly stopReason: StopReason;
  readonly state: GreedyState;
}

export class GreedyRun {
  private readonly active: Int32Array;
  private activeCount = 0;
  private readonly position: Int32Array;
  private readonly staticScore: Float64Array;
  /** The scan's per-unit scores: made at the first scan (the lazy arg-max never needs them: 80 MB at 10M units). */
  private scores: Float64Array | undefined;
  private readonly picks: PickExplanation[] = [];
  private readonly dynamic: SelectionStrategy[];
  private readonly gates: SelectionStrategy[];
  private readonly lazy: LazyArgMax | undefined;

  constructor(
    private readonly problem: GreedyProblem,
    state?: GreedyState,
  ) {
    const { units, strategies, candidates } = problem;
    this.active = new Int32Array(units.count);
    this.position = new Int32Array(units.count).fill(-1);
    for (let u = 0; u < units.count; u++) {
      if (!candidates[u]) continue;
      this.position[u] = this.activeCount;
      this.active[this.activeCount++] = u;
    }
    this.staticScore = new Float64Array(units.count);
    for (const s of strategies) {
      if (!s.staticObjective || s.strength === 0) continue;
      for (let u = 0; u < units.count; u++) this.staticScore[u]! += s.strength * Math.log(s.staticObjective[u]!);
    }
    // Grouped terms are added last, so that the scan and the lazy arg-max sum in the same order.
    this.dynamic = [...strategies.filter((s) => s.addScores && !s.groupedTerm), ...strategies.filter((s) => s.addScores && s.groupedTerm)];
    this.gates = strategies.filter((s) => s.admissible);
    if (lazyArgMaxApplies(strategies) && !problem.scanEveryPick) {
      this.lazy = new LazyArgMax(units.count, this.staticScore, this.dynamic, (u) => this.position[u]! >= 0);
    }

    const snapshots = state?.strategies;
    if (state && snapshots) {
      this.picks.push(...state.picks);
      for (const pick of state.picks) this.removeImage(pick.row);
      for (const row of problem.preselectedRows) this.removeImage(row);
      strategies.forEach((s, i) => s.restore?.(snapshots[i]));
    } else {
      for (const row of problem.preselectedRows) this.pickImage(row);
      // Replay: the same picks in the same order leave every dynamic strategy as it was.
      for (const pick of state?.picks ?? []) {
        this.picks.push(pick);
        this.pickImage(pick.row);
      }
    }
  }

  /** Images picked so far, preselected excluded, in pick order. */
  get picked(): readonly PickExplanation[] {
    return this.picks;
  }

  /**
   * Runs until done, or until `deadline` (ms since epoch, checked between picks) or `maxPicks` more
   * picks — then `done` is false and the state can be resumed. At least one pick is made per call.
   */
  run(options: { deadline?: number; maxPicks?: number } = {}): GreedyResult {
    const { strategies, target } = this.problem;
    const preselected = new Set(this.problem.preselectedRows).size;
    const deadline = options.deadline ?? Infinity;
    const startCount = this.picks.length;
    const stopAt = startCount + Math.max(1, options.maxPicks ?? Infinity);
    for (;;) {
      if (preselected + this.picks.length >= target) return this.result(true, 'TARGET_REACHED');
      // Every call makes at least one pick, so a resumed selection always progresses.
      if (this.picks.length > startCount && (Date.now() >= deadline || this.picks.length >= stopAt)) return this.result(false, 'DEADLINE');
      const best = this.best();
      if (best < 0) return this.result(true, this.activeCount > 0 && this.gates.length > 0 ? 'TARGET_RANGE' : 'POOL_EXHAUSTED');
      for (const s of strategies) {
        const reason = s.stopBefore?.(best) as StopReason | undefined;
        if (reason) return this.result(true, reason);
      }
      const objectives = strategies.map((s) => ({ strategy: s.entry, objective: s.objectiveOf(best) }));
      const sum = strategies.reduce((total, s, i) => (s.strength === 0 ? total : total + s.strength * Math.log(objectives[i]!.objective)), 0);
      // +∞ from one strategy against −∞ from another is NaN; the arg-max counted it as −∞, and so does this.
      const score = Number.isNaN(sum) ? -Infinity : sum;
      const row = this.problem.units.imageOf(best);
      this.picks.push({ unit: best, row, score, objectives });
      this.pickImage(row);
    }
  }

  private result(done: boolean, stopReason: StopReason): GreedyResult {
    return { done, stopReason, state: { picks: [...this.picks], strategies: this.problem.strategies.map((s) => s.snapshot?.(done)) } };
  }

  /** The admissible candidate with the highest score; ties to the lowest unit. −1 when none. */
  private best(): number {
    if (this.lazy) return this.lazy.best(this.active, this.activeCount);
    const { active, activeCount, staticScore } = this;
    const scores = (this.scores ??= new Float64Array(this.problem.units.count));
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      scores[u] = staticScore[u]!;
    }
    for (const s of this.dynamic) s.addScores!(active, activeCount, scores);
    const gates = this.gates;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < activeCount; i++) {
      const u = active[i]!;
      let score = scores[u]!;
      if (Number.isNaN(score)) score = -Infinity;
      if (best >= 0 && (score < bestScore || (score === bestScore && u > best))) continue;
      if (gates.length > 0 && !gates.every((g) => g.admissible!(u))) continue;
      best = u;
      bestScore = score;
    }
    return best;
  }

  private removeImage(row: number): Int32Array {
    const members = this.problem.units.unitsOf(row);
    for (const u of members) {
      const p = this.position[u]!;
      if (p < 0) continue;
      this.lazy?.remove(u);
      const last = this.active[--this.activeCount]!;
      this.active[p] = last;
      this.position[last] = p;
      this.position[u] = -1;
    }
    return members;
  }

  private pickImage(row: number): void {
    const members = this.removeImage(row);
    for (const s of this.problem.strategies) s.onPick?.(members, this.active, this.activeCount, row);
  }
}

export interface GreedyRunOptions {
  /** Picks of an earlier, interrupted run (its `state`, or just its picks) to continue from. */
  readonly alreadyPicked?: GreedyState | readonly PickExplanation[];
  /** Stop (resumably) at this time, ms since epoch; checked between picks. */
  readonly deadline?: number;
  /** Stop (resumably) after this many more picks. */
  readonly maxPicks?: number;
}

/**
 * Runs the greedy combiner on a prepared selection, from scratch or from `alreadyPicked`. When the result
 * is not `done`, pass its `state` (or `state.picks`) as `alreadyPicked` to the next call.
 */
export function runGreedy(problem: GreedyProblem, options: GreedyRunOptions = {}): GreedyResult {
  const { alreadyPicked, deadline, maxPicks } = options;
  const state: GreedyState | undefined = alreadyPicked === undefined ? undefined : 'picks' in alreadyPicked ? alreadyPicked : { picks: [...alreadyPicked] };
  return new GreedyRun(problem, state).run({ ...(deadline !== undefined ? { deadline } : {}), ...(maxPicks !== undefined ? { maxPicks } : {}) });
}
