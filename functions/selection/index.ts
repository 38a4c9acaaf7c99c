/**
 * The selection engine: pure TypeScript over typed arrays, no I/O.
 *
 * In one process: `parseJsonc(text)` → `parseSelectionConfig(raw)` (or `selectionConfig`, throwing) →
 * `validateAgainstSource(config, source)` → `runSelection(config, source, {inputRows, preselectedRows})`.
 *
 * In the cloud workflow: `heavyStaticEntries(config)` names the entries whose static part is worth
 * sharding; each shard calls `computeHeavyStatic(config, source, entry, start, end)` for its units (and,
 * where `heavyStaticReduce(entry)` is defined, stores the values' summary); the select step reduces those
 * entries shard by shard to one value per unit, calls `prepareSelection(config, source, {precomputed,
 * inputRows, preselectedRows})`, then `runGreedy(prepared, {alreadyPicked, deadline})` until `done`, and
 * `summarize(prepared, result)`.
 *
 * Strategy types: each is defined in one file of strategies/ (schema, kind, what it reads, its static
 * part, the strategy it builds, its report figure) and listed in strategies/registry.ts; a program
 * embedding the engine adds its own with `registerStrategy(defineStrategy({...}))`.
 *
 * Choices where the reference is silent (docs/selection.md, "Choices the reference leaves open") (each is also documented where it is made):
 * - `strength` in both the entry and its strategy is an error, not a precedence rule (config.ts);
 * - a key given in both spellings (`n_samples` and `nSamples`) is an error (config.ts);
 * - object-level embeddings of at most one task per config (config.ts);
 * - RANDOM without `random_seed` uses seed 0 (random.ts);
 * - `proportion_samples`: round(p × pool), halves up, at least 1; the pool is counted after the input tag
 *   and rows lacking values, before thresholds (select.ts);
 * - WEIGHTS scales non-negative values by the pool's maximum (ratios kept, as the two-WEIGHTS reference
 *   check needs), values with negatives min-max; floor ε = 1e-6 (strategies/weights.ts);
 * - `target_range.max_sum` is a hard cap (stop reason TARGET_RANGE when nothing fits); `min_sum` cannot
 *   be forced without padding, so the summary notes whether it was reached (strategies/weights.ts);
 * - BALANCE's objective is the reduction of the squared distance to the target, min-max scaled over the
 *   candidates to [ε, 1] (strategies/balance.ts);
 * - the typicality kNN runs over every row of the embedding matrix, not only the pool; a unit with no
 *   neighbour scores the smallest positive number (strategies/typicality.ts);
 * - object-level selections: n counts images; picking an object selects its image and every object of
 *   that image counts as picked; image-level columns and embeddings are read per object (units.ts);
 * - rows lacking a value are dropped even when the strategy's strength is 0 (select.ts);
 * - resuming needs only the picks; strategy snapshots are an optional shortcut (greedy.ts).
 */
export * from './config.js';
export * from './errors.js';
export * from './jsonc.js';
export * from './random.js';
export * from './select.js';
export { defineStrategy, strategySchema, type StrategyDefinition } from './strategies/definition.js';
export { parseFrameName, FRAME_NAME_EXAMPLE, type PickedSequence, type SequencePlan } from './sequences.js';
export { canonicalRows, rowHash, type DuplicateRow } from './filters.js';
export type { PickExplanation, StopReason, GreedyState, GreedyResult } from './greedy.js';
export { validateAgainstSource, objectTask } from './inputs.js';
export { scalarKernels, type Kernels } from '../kernels/index.js';
export type * from './types.js';
