/** Checks of a config against the dataset: every fault names its path and what the dataset has. */
import { describe, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { SelectionInputError } from '../../functions/selection/errors.js';
import { validateAgainstSource } from '../../functions/selection/inputs.js';
import { runSelection } from '../../functions/selection/select.js';
import { syntheticSource } from './source.js';

const source = syntheticSource({
  rows: 4,
  embeddings: [[1, 0], [0, 1], [-1, 0], [0, -1]],
  numeric: { sharpness: [1, 2, 3, 4], size: [4, 3, 2, 1] },
  categorical: { weather: ['sunny', 'rain', 'sunny', 'rain'] },
  scores: { det: { uncertainty_entropy: [0.1, 0.2, 0.3, 0.4], uncertainty_margin: [0, 0, 0, 0] } },
});

const check = (strategies: unknown[]) => validateAgainstSource(selectionConfig({ n_samples: 1, strategies }), source);

describe('validateAgainstSource', () => {
  it.each([
    [{ input: { type: 'METADATA', key: 'foo' }, strategy: { type: 'WEIGHTS' } }, 'strategies[0].input.key', "metadata key 'foo' not found; available: sharpness, size, weather"],
    [{ input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'WEIGHTS' } }, 'strategies[0].input.key', "WEIGHTS needs a numeric key; 'weather' is CATEGORICAL_STRING"],
    [{ input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'THRESHOLD', threshold: 1, operation: 'BIGGER' } }, 'strategies[0].input.key', 'THRESHOLD needs a numeric key'],
    [{ input: { type: 'METADATA', key: 'size' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } }, 'strategies[0].input.key', "BALANCE needs a categorical key; 'size' is NUMERIC_FLOAT"],
    [{ input: { type: 'SCORES', task: 'det', score: 'objectness' }, strategy: { type: 'WEIGHTS' } }, 'strategies[0].input.score', 'valid: uncertainty_entropy, uncertainty_margin'],
    [{ input: { type: 'SCORES', task: 'cls', score: 'x' }, strategy: { type: 'WEIGHTS' } }, 'strategies[0].input.task', "task 'cls' not found; the dataset has: det"],
    [{ input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' } }, 'strategies[0].input.task', 'no object-level embeddings'],
    [{ input: { type: 'EMBEDDINGS', dataset_id: 'other', tag_name: 'q' }, strategy: { type: 'SIMILARITY' } }, 'strategies[0].input', "dataset 'other' has no tag 'q'"],
  ])('%j → %s', (entry, path, message) => {
    const issues = check([entry]);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(path);
    expect(issues[0]!.message).toContain(message);
  });

  it('reports every faulty entry, and accepts a fitting config', () => {
    const issues = check([
      { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
      { input: { type: 'METADATA', key: 'nope' }, strategy: { type: 'WEIGHTS' } },
      { input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', target: { sunny: 0.5 } } },
      { input: { type: 'PREDICTIONS', task: 'seg', name: 'CATEGORY_COUNT' }, strategy: { type: 'WEIGHTS' } },
    ]);
    expect(issues.map((i) => i.path)).toEqual(['strategies[1].input.key', 'strategies[3].input.task']);
    expect(check([{ input: { type: 'METADATA', key: 'weather' }, strategy: { type: 'BALANCE', target: { sunny: 0.5 } } }])).toEqual([]);
  });

  it('a dataset without embeddings is named as such', () => {
    const bare = syntheticSource({ rows: 2, numeric: { v: [1, 2] } });
    const issues = validateAgainstSource(selectionConfig({ n_samples: 1, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }] }), bare);
    expect(issues).toEqual([{ path: 'strategies[0].input', message: 'the dataset has no embeddings' }]);
  });

  it('a column the source lists but cannot serve fails the run with the path, not a crash', () => {
    const broken = { ...source, score: () => undefined };
    const config = selectionConfig({ n_samples: 1, strategies: [{ input: { type: 'SCORES', task: 'det', score: 'uncertainty_entropy' }, strategy: { type: 'WEIGHTS' } }] });
    expect(validateAgainstSource(config, broken)).toEqual([]);
    expect(() => runSelection(config, broken)).toThrow(SelectionInputError);
    expect(() => runSelection(config, broken)).toThrow(/^strategies\[0\]\.input: the dataset cannot serve the values of det\/uncertainty_entropy/);
  });
});
