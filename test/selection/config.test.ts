import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSelectionConfig, selectionConfig } from '../../functions/selection/config.js';
import { SelectionConfigError, SelectionError } from '../../functions/selection/errors.js';
import { JsoncSyntaxError, parseJsonc } from '../../functions/selection/jsonc.js';

const seeds = join(import.meta.dirname, '../fixtures/seeds');
const issuesOf = (raw: unknown) => {
  const result = parseSelectionConfig(raw);
  if (result.ok) throw new Error('expected issues');
  return result.issues;
};
const diversity = { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } };

describe('the JSONC reader', () => {
  it('reads every seed example as written, comments and float(1e9) included', () => {
    const files = readdirSync(seeds).filter((f) => f.endsWith('.jsonc'));
    expect(files).toHaveLength(13);
    for (const file of files) {
      const result = parseSelectionConfig(parseJsonc(readFileSync(join(seeds, file), 'utf8'), file));
      expect(result.ok, `${file}: ${JSON.stringify(!result.ok && result.issues)}`).toBe(true);
    }
    const video = parseSelectionConfig(parseJsonc(readFileSync(join(seeds, '09-video-balancing.jsonc'), 'utf8')));
    expect(video.ok && video.config.strategies[0]!.strength).toBe(1e9);
  });

  it('keeps comment characters inside strings and names the line and column of a fault', () => {
    expect(parseJsonc('{"a": "x # y // z", # comment\n"b": [1,2,],}')).toEqual({ a: 'x # y // z', b: [1, 2] });
    expect(() => parseJsonc('{\n  "a": 1,\n  "b": oops\n}', 'c.json')).toThrow(JsoncSyntaxError);
    expect(() => parseJsonc('{\n  "a": 1,\n  "b": oops\n}', 'c.json')).toThrow(/^c\.json:3:8: 'oops' is not a JSON value/);
    expect(() => parseJsonc('{"a": 1', 'd.json')).toThrow(/d\.json:1:8/);
  });

  it('leaves commas and brackets inside strings alone, and rejects what JSON rejects', () => {
    expect(parseJsonc('{"a": "x, ]", "b": [1, 2, ], "c": {"d": "e,}", }, }')).toEqual({ a: 'x, ]', b: [1, 2], c: { d: 'e,}' } });
    expect(parseJsonc('{"s": "float(3)", "n": float(3), /* block\n comment */ "m": float(-2)}')).toEqual({ s: 'float(3)', n: 3, m: -2 });
    expect(() => parseJsonc('[1,,2]', 'e.json')).toThrow(/e\.json:1:4: expected a value/);
    expect(() => parseJsonc('{,}', 'e.json')).toThrow(/e\.json:1:2/);
    expect(() => parseJsonc('{"a": 1 /* never closed\n}', 'e.json')).toThrow(/e\.json:1:9: unterminated block comment/);
    expect(() => parseJsonc("{'a': 1}", 'e.json')).toThrow(/e\.json:1:2/);
  });
});

describe('the config schema', () => {
  it('accepts snake_case and camelCase alike', () => {
    const snake = parseSelectionConfig({
      n_samples: 5,
      strategies: [
        { input: { type: 'RANDOM', random_seed: 3 }, strategy: { type: 'WEIGHTS', stopping_condition_max_sum: 2 } },
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 5, stopping_condition_minimum_typicality: 0.5 } },
      ],
    });
    const camel = parseSelectionConfig({
      nSamples: 5,
      strategies: [
        { input: { type: 'RANDOM', randomSeed: 3 }, strategy: { type: 'WEIGHTS', stoppingConditionMaxSum: 2 } },
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', numNearestNeighbors: 5, stoppingConditionMinimumTypicality: 0.5 } },
      ],
    });
    expect(snake.ok).toBe(true);
    expect(snake).toEqual(camel);
  });

  it('throws a SelectionConfigError (a SelectionError) listing every issue', () => {
    const bad = { n_samples: 0, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'BALANCE' } }] };
    let caught: unknown;
    try {
      selectionConfig(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SelectionConfigError);
    expect(caught).toBeInstanceOf(SelectionError);
    expect((caught as SelectionConfigError).issues.map((i) => i.path)).toEqual(['n_samples', 'strategies[0].input.type']);
    expect((caught as Error).message).toBe('n_samples: must be ≥ 1; strategies[0].input.type: strategy BALANCE does not take input EMBEDDINGS; it takes METADATA, PREDICTIONS');
    expect(() => parseJsonc('{', 'x')).toThrow(SelectionError);
  });

    it('keeps BALANCE class names as written', () => {
    const result = parseSelectionConfig({
      n_samples: 1,
      strategies: [{ input: { type: 'METADATA', key: 'k' }, strategy: { type: 'BALANCE', target: { traffic_light: 0.5, big_truck: 0.5 } } }],
    });
    expect(result.ok && result.config.strategies[0]!.strategy).toMatchObject({ target: { traffic_light: 0.5, big_truck: 0.5 } });
  });

  it.each([
    [{ n_samples: 1, strategies: [diversity], extra: 1 }, 'extra', /unknown key/],
    [{ n_samples: 1, strategies: [{ ...diversity, strategy: { type: 'DIVERSITY', radius: 1 } }] }, 'strategies[0].strategy.radius', /unknown key 'radius'; allowed: type, strength, stopping_condition_minimum_distance$/],
    [{ n_samples: 1, strategies: [{ ...diversity, input: { type: 'EMBEDDINGS', taks: 'x' } }] }, 'strategies[0].input.taks', /allowed: type, task, dataset_id, tag_name/],
    [{ n_samples: 1, strategies: [{ ...diversity, weight: 2 }] }, 'strategies[0].weight', /unknown key 'weight'; allowed: input, strategy, strength/],
    [{ n_samples: 1, strategies: [{ input: { type: 'RANDOM' }, strategy: { type: 'WEIGHTS', target_range: { min_value: 1 } } }] }, 'strategies[0].strategy.target_range.min_value', /allowed: min_sum, max_sum/],
    [{ n_samples: 1, strategies: [{ input: { type: 'RANDOM' }, strategy: { type: 'WEIGHTS', target_range: { max_sum: 'x' } } }] }, 'strategies[0].strategy.target_range.max_sum', /a number/],
    [{ n_samples: 1, strategies: [{ input: { type: 'RANDOM' }, strategy: { type: 'WEIGHTS', target_range: { min_sum: 3, max_sum: 1 } } }] }, 'strategies[0].strategy.target_range', /min_sum must be ≤ max_sum/],
    [{ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', stopping_condition_minimum_typicality: 0 } }] }, 'strategies[0].strategy.stopping_condition_minimum_typicality', /\(0, 1\]/],
    [{ n_samples: 1, strategies: [{ input: { type: 'METADATA', key: 'k' }, strategy: { type: 'BALANCE', target: { a: 0.5 }, distribution: 'EVEN' } }] }, 'strategies[0].strategy.distribution', /TARGET.*UNIFORM.*INPUT/],
    [{ n_samples: 1, strategies: [{ input: { type: 'METADATA', key: 'k' }, strategy: { type: 'BALANCE' } }] }, 'strategies[0].strategy.target', /needs a target/],
    [{ n_samples: 1, strategies: [{ input: { type: 'SCORES', task: 't' }, strategy: { type: 'WEIGHTS' } }] }, 'strategies[0].input.score', /required/],
    [{ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS', task: 'det', dataset_id: 'd', tag_name: 't' }, strategy: { type: 'SIMILARITY' } }] }, 'strategies[0].input.type', /SIMILARITY.*not of objects/],
    [{ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS', dataset_id: 'd', tag_name: 't' }, strategy: { type: 'DIVERSITY' } }] }, 'strategies[0].input.type', /query set.*not DIVERSITY/],
    [{ n_samples: 1, strategies: [{ input: { type: 'PREDICTIONS', task: 't', name: 'CLASS_DISTRIBUTION' }, strategy: { type: 'WEIGHTS' } }] }, 'strategies[0].input.type', /WEIGHTS takes input PREDICTIONS with name CATEGORY_COUNT/],
    [{ n_samples: 1, strategies: [{ input: { type: 'RANDOM', random_seed: 1.5 }, strategy: { type: 'WEIGHTS' } }] }, 'strategies[0].input.random_seed', /integer/],
    [{ n_samples: 1, nSamples: 2, strategies: [diversity] }, 'nSamples', /given twice/],
    [{ strategies: [diversity] }, '', /exactly one of n_samples and proportion_samples/],
    [{ n_samples: 1, proportion_samples: 0.5, strategies: [diversity] }, '', /exactly one/],
    [{ n_samples: 0, strategies: [diversity] }, 'n_samples', /≥ 1/],
    [{ n_samples: 1.5, strategies: [diversity] }, 'n_samples', /integer/],
    [{ proportion_samples: 1.5, strategies: [diversity] }, 'proportion_samples', /\(0, 1\]/],
    [{ n_samples: 1, strategies: [] }, 'strategies', /non-empty/],
    [{ n_samples: 1, strategies: [{ input: { type: 'PIXELS' }, strategy: { type: 'DIVERSITY' } }] }, 'strategies[0].input.type', /must be one of EMBEDDINGS, SCORES/],
    [{ n_samples: 1, strategies: [{ input: { type: 'SCORES', task: 't', score: 's' }, strategy: { type: 'DIVERSITY' } }] }, 'strategies[0].input.type', /DIVERSITY does not take input SCORES; it takes EMBEDDINGS/],
    [{ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'BALANCE', target: { a: 1 } } }] }, 'strategies[0].input.type', /BALANCE does not take input EMBEDDINGS/],
    [{ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'SIMILARITY' } }] }, 'strategies[0].input.type', /dataset_id and tag_name/],
    [{ n_samples: 1, strategies: [{ input: { type: 'METADATA', key: 'k' }, strategy: { type: 'THRESHOLD', threshold: 1, operation: 'LARGER' } }] }, 'strategies[0].strategy.operation', /SMALLER/],
    [{ n_samples: 1, strategies: [{ input: { type: 'METADATA', key: 'k' }, strategy: { type: 'THRESHOLD', operation: 'BIGGER' } }] }, 'strategies[0].strategy.threshold', /required/],
    [{ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 1 } }] }, 'strategies[0].strategy.num_nearest_neighbors', /≥ 2/],
    [{ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 1001 } }] }, 'strategies[0].strategy.num_nearest_neighbors', /≤ 1000/],
    [{ n_samples: 1, strategies: [{ ...diversity, strength: 2, strategy: { type: 'DIVERSITY', strength: 3 } }] }, 'strategies[0].strength', /both/],
    [{ n_samples: 1, strategies: [{ ...diversity, strength: 2e9 }] }, 'strategies[0].strength', /1000000000/],
    [{ n_samples: 1, strategies: [{ input: { type: 'METADATA', key: 'k' }, strategy: { type: 'BALANCE', target: { a: 0.7, b: 0.6 } } }] }, 'strategies[0].strategy.target', /add up to/],
    [{ n_samples: 1, strategies: [{ input: { type: 'PREDICTIONS', task: 't', name: 'CATEGORY_COUNT' }, strategy: { type: 'BALANCE', target: { a: 1 } } }] }, 'strategies[0].input.type', /CLASS_DISTRIBUTION/],
  ])('rejects %j at %s', (raw, path, message) => {
    const issues = issuesOf(raw);
    expect(issues.some((i) => i.path === path && message.test(i.message)), JSON.stringify(issues)).toBe(true);
  });
});
