/**
 * One interface for every selection strategy, as the greedy combiner (greedy.ts) sees it. A strategy
 * gives each candidate unit an objective ≥ 0; the combiner picks the unit with the highest
 * Σ strength × log(objective). Static strategies fix their objective once (`staticObjective`); dynamic
 * ones add their current log objectives to the scores before every pick and learn of every pick.
 * THRESHOLD is not a strategy here: it filters the pool before any of this (see threshold.ts).
 */
export interface GroupedTerm {
  readonly groupCount: number;
  groupOf(unit: number): number;
  terms(activePerGroup: Int32Array): Float64Array;
}

export interface SelectionStrategy {
  /** Index of the config entry. */
  readonly entry: number;
  readonly type: string;
  readonly strength: number;
  /** Static strategies: objective per unit (≥ 0), fixed for the whole selection. */
  readonly staticObjective?: Float64Array;
  /** Dynamic strategies: adds strength × log(objective) of the active units to `scores` (indexed by unit). */
  addScores?(active: Int32Array, activeCount: number, scores: Float64Array): void;
  /**
   * For the lazy arg-max (greedy.ts): the term `addScores` adds for `unit` — offered only when that term
   * can never rise from one pick to the next while `termEpoch()` stays the same.
   */
  nonIncreasingTerm?(unit: number): number;
  termEpoch?(): number;
  /**
   * For the lazy arg-max: offered when the term `addScores` adds is the same for every unit of a group.
   * `terms(activePerGroup)` returns each group's term for the current state (groups without active units
   * may hold anything), after which `objectiveOf` answers for that state as after `addScores`.
   */
  readonly groupedTerm?: GroupedTerm;
  /** The unit's objective now (for the explanation of a pick). */
  objectiveOf(unit: number): number;
  /** Whether the unit may be picked now (a cap on a running sum, say). */
  admissible?(unit: number): boolean;
  /** A stopping condition: the reason to stop instead of picking `best`, or undefined. */
  stopBefore?(best: number): string | undefined;
  /**
   * An image was picked (or preselected): `row` is the image, `units` its units, after they left
   * `active`; `active` holds the remaining candidates. In an object-level selection a preselected image
   * may have no units at all — its image-level values still count.
   */
  onPick?(units: Int32Array, active: Int32Array, activeCount: number, row: number): void;
  /** A sentence for the run's summary on how far the strategy's goal was met (a sum, shares). */
  report?(): string | undefined;
  /**
   * State to checkpoint (dynamic strategies), and its restoration. `final`: the selection is done, no
   * pick follows the restored state (it serves the summary and report), so what only further picks need
   * may be left out.
   */
  snapshot?(final: boolean): unknown;
  restore?(state: unknown): void;
}
