/**
 * The strategy registry: a strategy type added in one place (here, in this file) is parsed, checked
 * against the dataset, run and reported like a built-in one; the GraphQL schema lists the built-in types.
 */
import { readFileSync } from 'node:fs';
import { buildSchema, isEnumType, isInputObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeReportFigures } from '../../functions/report/figures.js';
import { parseSelectionConfig, registerStrategy, selectionConfig, STRATEGY_TYPES } from '../../functions/selection/config.js';
import { SelectionInputError } from '../../functions/selection/errors.js';
import { prepareSelection, runGreedy, runSelection, summarize } from '../../functions/selection/select.js';
import { defineStrategy, finite, strategySchema } from '../../functions/selection/strategies/definition.js';
import { BUILT_IN_STRATEGIES, findStrategy, strategyTypes } from '../../functions/selection/strategies/registry.js';
import { gaussian, rng, syntheticSource } from './source.js';

/**
 * CLOSE_TO_VALUE (static): prefer rows whose value is close to `target_value`; objective
 * exp(−|value − target_value| / scale).
 */
const closeToValue = defineStrategy({
  type: 'CLOSE_TO_VALUE',
  schema: strategySchema('CLOSE_TO_VALUE', { targetValue: finite, scale: finite.gt(0, 'must be > 0').default(1) }),
  kind: 'static',
  reads: 'numeric',
  build: ({ index, strength, strategy, units, numeric }) => {
    const values = numeric();
    const objective = new Float64Array(units.count);
    for (let u = 0; u < units.count; u++) objective[u] = Math.exp(-Math.abs(values[units.imageOf(u)]! - strategy.targetValue) / strategy.scale);
    return { entry: index, type: 'CLOSE_TO_VALUE', strength, staticObjective: objective, objectiveOf: (u: number) => objective[u]! };
  },
  figure: { histogram: true },
});

const ROWS = 20;
const random = rng(5);
// brightness: 0, 1, …, 18 and one row without a value.
const brightness = Array.from({ length: ROWS }, (_, row) => (row === ROWS - 1 ? NaN : row));
const source = syntheticSource({
  rows: ROWS,
  embeddings: Array.from({ length: ROWS }, () => Array.from({ length: 4 }, () => gaussian(random))),
  numeric: { brightness },
  categorical: { weather: Array.from({ length: ROWS }, (_, row) => (row % 2 ? 'sunny' : 'rainy')) },
});
const close = (extra: Record<string, unknown> = {}) => ({ input: { type: 'METADATA', key: 'brightness' }, strategy: { type: 'CLOSE_TO_VALUE', target_value: 7.2, ...extra } });

describe('a strategy type registered in one file', () => {
  let unregister: () => void;
  beforeAll(() => {
    unregister = registerStrategy(closeToValue);
  });
  afterAll(() => unregister());

  it('is parsed with both spellings, its defaults, and its own errors at their JSON paths', () => {
    const config = selectionConfig({ n_samples: 3, strategies: [close({ scale: 2 })] });
    expect(config.strategies[0]).toEqual({ input: { type: 'METADATA', key: 'brightness' }, strategy: { type: 'CLOSE_TO_VALUE', targetValue: 7.2, scale: 2 }, strength: 1 });
    expect(selectionConfig({ nSamples: 1, strategies: [{ ...close(), strength: -2 }] }).strategies[0]!.strategy).toEqual({ type: 'CLOSE_TO_VALUE', targetValue: 7.2, scale: 1 });
    const faults = (raw: unknown) => {
      const result = parseSelectionConfig(raw);
      return result.ok ? [] : result.issues;
    };
    expect(faults({ n_samples: 1, strategies: [close({ scale: 0 })] })).toEqual([{ path: 'strategies[0].strategy.scale', message: 'must be > 0' }]);
    expect(faults({ n_samples: 1, strategies: [close({ radius: 1 })] })).toEqual([
      { path: 'strategies[0].strategy.radius', message: "unknown key 'radius'; allowed: type, strength, target_value, scale" },
    ]);
    expect(faults({ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'CLOSE_TO_VALUE', target_value: 1 } }] })).toEqual([
      { path: 'strategies[0].input.type', message: 'strategy CLOSE_TO_VALUE does not take input EMBEDDINGS; it takes SCORES, METADATA, RANDOM, PREDICTIONS' },
    ]);
    expect(faults({ n_samples: 1, strategies: [{ input: { type: 'RANDOM' }, strategy: { type: 'CLOSE_TO' } }] })[0]!.message).toBe(
      'must be one of DIVERSITY, TYPICALITY, SIMILARITY, WEIGHTS, THRESHOLD, BALANCE, CLOSE_TO_VALUE, got "CLOSE_TO"',
    );
  });

  it('is checked against the dataset: a categorical key is refused by name', () => {
    const config = selectionConfig({ n_samples: 1, strategies: [{ ...close(), input: { type: 'METADATA', key: 'weather' } }] });
    expect(() => runSelection(config, source)).toThrow(SelectionInputError);
    expect(() => runSelection(config, source)).toThrow(/CLOSE_TO_VALUE needs a numeric key; 'weather' is CATEGORICAL_STRING/);
  });

  it('runs through the engine: picks closest first, drops rows without a value, combines with THRESHOLD', () => {
    const alone = runSelection(selectionConfig({ n_samples: 4, strategies: [close()] }), source);
    expect(alone.rows).toEqual([7, 8, 6, 9]);
    expect(alone.picks[0]!.objectives).toEqual([{ strategy: 0, objective: Math.exp(-Math.abs(7 - 7.2)) }]);
    expect(alone.summary.dropped).toEqual([{ reason: 'no value for brightness: strategies[0] (CLOSE_TO_VALUE on brightness)', count: 1 }]);
    expect(alone.summary.poolSize).toBe(ROWS - 1);

    const thresholded = runSelection(
      selectionConfig({
        n_samples: 2,
        strategies: [close(), { input: { type: 'METADATA', key: 'brightness' }, strategy: { type: 'THRESHOLD', threshold: 7.5, operation: 'BIGGER' } }],
      }),
      source,
    );
    expect(thresholded.rows).toEqual([8, 9]);
    // A negative strength prefers values far from the target.
    expect(runSelection(selectionConfig({ n_samples: 2, strategies: [{ ...close(), strength: -1 }] }), source).rows).toEqual([18, 17]);
  });

  it('gets its report figures: a histogram of its input and its share of the score', async () => {
    const config = selectionConfig({ n_samples: 3, strategies: [close(), { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] });
    const prepared = prepareSelection(config, source);
    const result = runGreedy(prepared);
    const embeddings = source.embeddings()!;
    const figures = await computeReportFigures({
      run: { id: 'r', datasetId: 'd', datasetName: 'd', resultTagName: 't', createdAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z' },
      rawConfig: {},
      config,
      summary: summarize(prepared, result),
      timings: {},
      source,
      prepared,
      picks: result.state.picks,
      fileName: (row) => source.fileName(row),
      embeddingRows: async (rows) => ({ dim: embeddings.dim, data: Float32Array.from(rows.flatMap((row) => [...embeddings.data.subarray(row * embeddings.dim, (row + 1) * embeddings.dim)])) }),
    });
    const histogram = figures.scores.find((f) => f.strategy === 0)!;
    expect(histogram).toMatchObject({ type: 'CLOSE_TO_VALUE', input: 'brightness', missing: { pool: 0, picks: 0 } });
    expect(histogram.bins.reduce((n, b) => n + b.picks, 0)).toBe(3);
    expect(figures.contributions.map((c) => c.type)).toEqual(['CLOSE_TO_VALUE', 'DIVERSITY']);
  });

  it('refuses a second registration of a type and a schema of another type; a registered filter filters; unregistering removes it', () => {
    expect(() => registerStrategy(closeToValue)).toThrow(/CLOSE_TO_VALUE is already registered/);
    expect(() => registerStrategy({ ...closeToValue, type: 'NEAR_VALUE' })).toThrow(/does not take type NEAR_VALUE/);
    expect(() => registerStrategy({ ...closeToValue, type: 'near' })).toThrow(/UPPER_SNAKE_CASE/);
    const remove = registerStrategy(
      defineStrategy({
        type: 'NEAR_VALUE',
        schema: strategySchema('NEAR_VALUE', { targetValue: finite }),
        kind: 'filter',
        reads: 'numeric',
        filter: { passes: (strategy, value) => Math.abs(value - strategy.targetValue) < 1, describe: (strategy) => `≈ ${strategy.targetValue}` },
      }),
    );
    expect(strategyTypes()).toContain('NEAR_VALUE');
    // A registered filter filters the pool before the other strategies, naming itself.
    const filtered = runSelection(
      selectionConfig({ n_samples: 2, strategies: [close(), { input: { type: 'METADATA', key: 'brightness' }, strategy: { type: 'NEAR_VALUE', target_value: 12 } }] }),
      source,
    );
    expect(filtered.rows).toEqual([12]);
    expect(filtered.summary.stopReason).toBe('POOL_EXHAUSTED');
    expect(filtered.summary.dropped).toContainEqual({ reason: 'NEAR_VALUE strategies[1]: brightness ≈ 12 does not hold', count: ROWS - 2 });
    remove();
    expect(findStrategy('NEAR_VALUE')).toBeUndefined();
    expect(parseSelectionConfig({ n_samples: 1, strategies: [{ input: { type: 'RANDOM' }, strategy: { type: 'NEAR_VALUE', target_value: 1 } }] }).ok).toBe(false);
  });
});

describe('the built-in strategy types', () => {
  const schema = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));

  it('are the GraphQL StrategyType enum', () => {
    const type = schema.getType('StrategyType');
    if (!isEnumType(type)) throw new Error('StrategyType is not an enum');
    expect(type.getValues().map((v) => v.name).sort()).toEqual([...STRATEGY_TYPES].sort());
    expect(Object.keys(BUILT_IN_STRATEGIES)).toEqual(STRATEGY_TYPES);
  });

  it('have every config field in the GraphQL SelectionStrategyInput', () => {
    const input = schema.getType('SelectionStrategyInput');
    if (!isInputObjectType(input)) throw new Error('SelectionStrategyInput is not an input type');
    const fields = Object.keys(input.getFields()).sort();
    const keys = [...new Set(Object.values(BUILT_IN_STRATEGIES).flatMap((d) => Object.keys(d.schema.shape)))].sort();
    expect(fields).toEqual(keys);
  });

  it('build a strategy of their kind: filters none, static ones a fixed objective, dynamic ones scores', () => {
    for (const definition of Object.values(BUILT_IN_STRATEGIES)) {
      expect(definition.kind === 'filter').toBe(definition.build === undefined);
      expect(definition.kind === 'filter').toBe(definition.filter !== undefined);
    }
    const config = selectionConfig({
      n_samples: 2,
      strategies: [
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 3 } },
        { input: { type: 'METADATA', key: 'brightness' }, strategy: { type: 'WEIGHTS' } },
        { input: { type: 'METADATA', key: 'brightness' }, strategy: { type: 'THRESHOLD', threshold: 2, operation: 'BIGGER' } },
        { input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
      ],
    });
    const { strategies } = prepareSelection(config, source);
    expect(strategies.map((s) => s.entry)).toEqual([0, 1, 2, 4]);
    for (const strategy of strategies) {
      const { kind } = BUILT_IN_STRATEGIES[strategy.type as keyof typeof BUILT_IN_STRATEGIES];
      expect([strategy.type, strategy.staticObjective !== undefined, strategy.addScores !== undefined]).toEqual([strategy.type, kind === 'static', kind === 'dynamic']);
    }
  });
});
