/** Properties over random configs on random data (seeded): whatever the config, the contract holds. */
import { describe, expect, it } from 'vitest';
import { parseSelectionConfig } from '../../functions/selection/config.js';
import { prepareSelection, runGreedy, runSelection } from '../../functions/selection/select.js';
import { gaussian, rng, syntheticSource } from './source.js';

const OPERATIONS = ['SMALLER', 'SMALLER_EQUAL', 'BIGGER', 'BIGGER_EQUAL'] as const;

describe('random configs', () => {
  it('never pick more than asked, never a filtered or preselected row, and repeat exactly', () => {
    const random = rng(2026);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 20 + Math.floor(random() * 60);
      const values = Array.from({ length: rows }, () => (random() < 0.1 ? NaN : Math.round(random() * 100)));
      const labels = Array.from({ length: rows }, () => (random() < 0.1 ? undefined : ['a', 'b', 'c'][Math.floor(random() * 3)]));
      const source = syntheticSource({
        rows,
        embeddings: Array.from({ length: rows }, () => Array.from({ length: 4 }, () => gaussian(random))),
        numeric: { v: values },
        categorical: { c: labels },
        scores: { t: { s: Array.from({ length: rows }, () => random()) } },
      });
      const pool = [
        () => ({ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' }, strength: random() * 2 - 0.5 }),
        () => ({ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', num_nearest_neighbors: 2 + Math.floor(random() * 5) } }),
        () => ({ input: { type: 'METADATA', key: 'v' }, strategy: { type: 'WEIGHTS' }, strength: random() * 3 - 1 }),
        () => ({ input: { type: 'SCORES', task: 't', score: 's' }, strategy: { type: 'WEIGHTS' } }),
        () => ({ input: { type: 'RANDOM', random_seed: trial }, strategy: { type: 'WEIGHTS' } }),
        () => ({ input: { type: 'METADATA', key: 'c' }, strategy: { type: 'BALANCE', distribution: (['UNIFORM', 'INPUT'] as const)[Math.floor(random() * 2)] } }),
      ];
      const strategies = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pool[Math.floor(random() * pool.length)]!());
      const threshold = random() < 0.5 ? { value: Math.round(random() * 100), operation: OPERATIONS[Math.floor(random() * 4)]! } : undefined;
      if (threshold) strategies.push({ input: { type: 'METADATA', key: 'v' }, strategy: { type: 'THRESHOLD', threshold: threshold.value, operation: threshold.operation } } as never);
      const n = 1 + Math.floor(random() * rows);
      const parsed = parseSelectionConfig({ n_samples: n, strategies });
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const preselected = random() < 0.3 ? [Math.floor(random() * rows)] : [];
      const inputRows = random() < 0.3 ? Array.from({ length: rows }, (_, i) => i).filter(() => random() < 0.7) : undefined;
      const options = { preselectedRows: preselected, ...(inputRows ? { inputRows } : {}) };
      const result = runSelection(parsed.config, source, options);
      expect(result.rows.length + preselected.length).toBeLessThanOrEqual(n);
      expect(new Set(result.rows).size).toBe(result.rows.length);
      expect(result.picks.map((p) => p.row)).toEqual(result.rows);
      for (const pick of result.picks) expect(Number.isNaN(pick.score)).toBe(false);
      for (const row of result.rows) {
        expect(preselected).not.toContain(row);
        if (inputRows) expect(inputRows).toContain(row);
        if (threshold) {
          const v = values[row]!;
          const holds = { SMALLER: v < threshold.value, SMALLER_EQUAL: v <= threshold.value, BIGGER: v > threshold.value, BIGGER_EQUAL: v >= threshold.value }[threshold.operation];
          expect(holds).toBe(true);
        }
      }
      if (result.summary.stopReason === 'TARGET_REACHED') expect(result.rows.length + preselected.length).toBe(n);
      expect(runSelection(parsed.config, source, options).rows).toEqual(result.rows);
      if (trial % 10 === 0 && result.rows.length > 1) {
        // Interrupted after a few picks and resumed from the picks alone: the same selection.
        const first = runGreedy(prepareSelection(parsed.config, source, options), { maxPicks: Math.ceil(result.rows.length / 2) });
        const rest = runGreedy(prepareSelection(parsed.config, source, options), { alreadyPicked: first.state.picks });
        expect(rest.state.picks.map((p) => p.row)).toEqual(result.rows);
      }
    }
  });
});
