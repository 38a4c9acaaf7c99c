import { describe, expect, it } from 'vitest';
import { parseTaskSchema, type Prediction, type TaskPredictions } from '../../functions/formats/index.js';
import {
  categoryCount,
  classCounts,
  entropy,
  leastConfidence,
  margin,
  sampleScore,
  scoreColumn,
  scoreNamesFor,
} from '../../functions/selection/scores/index.js';

const schema = (type: string, names: string[]) =>
  parseTaskSchema(JSON.stringify({ task_type: type, categories: names.map((name, id) => ({ id, name })) }), 'schema.json', 't');

describe('classification uncertainty', () => {
  it('is 0 for one-hot vectors and 1 for uniform ones', () => {
    for (const f of [leastConfidence, margin, entropy]) {
      expect(f([0, 1, 0])).toBe(0);
      expect(f([1, 0])).toBe(0);
      expect(f([1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(1, 12);
      expect(f([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(1, 12);
      expect(f([1])).toBe(0);
    }
  });

  it('matches hand-computed values in between', () => {
    const p = [0.5, 0.3, 0.2];
    expect(leastConfidence(p)).toBeCloseTo((1 - 0.5) * 1.5, 12); // 0.75
    expect(margin(p)).toBeCloseTo(0.8, 12);
    const h = -(0.5 * Math.log(0.5) + 0.3 * Math.log(0.3) + 0.2 * Math.log(0.2)) / Math.log(3);
    expect(entropy(p)).toBeCloseTo(h, 12);
    expect(entropy(p)).toBeCloseTo(0.93723, 4);
    // Order does not matter.
    expect(margin([0.2, 0.3, 0.5])).toBeCloseTo(0.8, 12);
  });

  it('scores a classification task from its prediction, NaN without a record', () => {
    const s = schema('classification', ['a', 'b', 'c']);
    const ids = [0, 1, 2];
    expect(sampleScore(s.type, 'uncertainty_margin', [{ categoryId: 0, probabilities: [0.5, 0.3, 0.2] }], ids)).toBeCloseTo(0.8, 12);
    expect(sampleScore(s.type, 'uncertainty_margin', undefined, ids)).toBeNaN();
    // Only a category: one-hot, no uncertainty.
    expect(sampleScore(s.type, 'uncertainty_entropy', [{ categoryId: 1 }], ids)).toBe(0);
  });
});

describe('object detection scores', () => {
  const ids = [0, 1, 2];
  const boxes: Prediction[] = [
    { categoryId: 0, bbox: [0, 0, 1, 1], score: 0.9, probabilities: [0.9, 0.05, 0.05] },
    { categoryId: 0, bbox: [0, 0, 1, 1], score: 0.6, probabilities: [0.5, 0.3, 0.2] },
  ];

  it('reduces per-box scores with max and averages box scores for objectness', () => {
    expect(sampleScore('OBJECT_DETECTION', 'uncertainty_least_confidence', boxes, ids)).toBeCloseTo(0.75, 12);
    expect(sampleScore('OBJECT_DETECTION', 'uncertainty_margin', boxes, ids)).toBeCloseTo(0.8, 12);
    expect(sampleScore('OBJECT_DETECTION', 'objectness_least_confidence', boxes, ids)).toBeCloseTo(0.25, 12);
  });

  it('is 0 without boxes and NaN without a record', () => {
    for (const name of scoreNamesFor('OBJECT_DETECTION')) {
      expect(sampleScore('OBJECT_DETECTION', name, [], ids)).toBe(0);
      expect(sampleScore('OBJECT_DETECTION', name, undefined, ids)).toBeNaN();
    }
  });

  it('reads a bare score as the two-class vector [score, 1 − score]', () => {
    const box: Prediction[] = [{ categoryId: 2, bbox: [0, 0, 1, 1], score: 0.8 }];
    expect(sampleScore('OBJECT_DETECTION', 'uncertainty_least_confidence', box, ids)).toBeCloseTo(0.4, 12);
    expect(sampleScore('OBJECT_DETECTION', 'uncertainty_margin', box, ids)).toBeCloseTo(0.4, 12);
    expect(sampleScore('OBJECT_DETECTION', 'uncertainty_entropy', box, ids)).toBeCloseTo(-(0.8 * Math.log(0.8) + 0.2 * Math.log(0.2)) / Math.log(2), 12);
    expect(sampleScore('OBJECT_DETECTION', 'objectness_least_confidence', box, ids)).toBeCloseTo(0.2, 12);
    // A box at 0.5 is as uncertain as it gets.
    expect(sampleScore('OBJECT_DETECTION', 'uncertainty_entropy', [{ categoryId: 0, score: 0.5 }], ids)).toBeCloseTo(1, 12);
  });
});

describe('semantic segmentation scores', () => {
  it('is the pixel-weighted mean of the segments’ scores', () => {
    // 8 pixels: background on 6 (certain), road on 2 (uniform).
    const segments: Prediction[] = [
      { categoryId: 0, segmentation: [0, 6, 2], probabilities: [1, 0] },
      { categoryId: 1, segmentation: [6, 2], probabilities: [0.5, 0.5] },
    ];
    for (const name of scoreNamesFor('SEMANTIC_SEGMENTATION')) {
      expect(sampleScore('SEMANTIC_SEGMENTATION', name, segments, [0, 1])).toBeCloseTo(0.25, 12);
    }
    expect(sampleScore('SEMANTIC_SEGMENTATION', 'uncertainty_margin', [], [0, 1])).toBe(0);
  });
});

describe('keypoint scores', () => {
  it('is 1 − the mean keypoint confidence over all objects', () => {
    const people: Prediction[] = [
      { categoryId: 0, keypoints: [1, 1, 0.8, 2, 2, 0.6] },
      { categoryId: 0, keypoints: [3, 3, 0.4] },
    ];
    expect(sampleScore('KEYPOINT_DETECTION', 'mean_uncertainty', people, [0])).toBeCloseTo(0.4, 12);
    expect(sampleScore('KEYPOINT_DETECTION', 'mean_uncertainty', [], [0])).toBe(0);
    expect(sampleScore('KEYPOINT_DETECTION', 'mean_uncertainty', [{ categoryId: 0, keypoints: [] }], [0])).toBe(0);
  });
});

describe('score names', () => {
  it('lists the valid names per task type and rejects the others', () => {
    expect(scoreNamesFor('CLASSIFICATION')).toEqual(['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy']);
    expect(scoreNamesFor('OBJECT_DETECTION')).toContain('objectness_least_confidence');
    expect(scoreNamesFor('KEYPOINT_DETECTION')).toEqual(['mean_uncertainty']);
    expect(() => sampleScore('CLASSIFICATION', 'objectness_least_confidence', [], [0])).toThrow(
      /does not exist for CLASSIFICATION tasks; valid: uncertainty_least_confidence, uncertainty_margin, uncertainty_entropy/,
    );
  });
});

describe('class vectors', () => {
  const s = schema('object-detection', ['car', 'bike', 'bus']);
  const task: TaskPredictions = {
    schema: s,
    rows: [
      [
        { categoryId: 0, bbox: [0, 0, 1, 1], probabilities: [0.7, 0.2, 0.1] },
        { categoryId: 2, bbox: [0, 0, 1, 1], score: 0.9 },
      ],
      undefined,
      [],
      [{ categoryId: 1, bbox: [0, 0, 1, 1] }],
    ],
  };

  it('sums probability vectors, or one-hot category ids, per sample', () => {
    const counts = classCounts(task);
    expect(counts.classes).toEqual(['car', 'bike', 'bus']);
    const rows = [0, 1, 2, 3].map((r) => Array.from(counts.counts.subarray(r * 3, r * 3 + 3)));
    expect(rows[0]![0]).toBeCloseTo(0.7, 12);
    expect(rows[0]![1]).toBeCloseTo(0.2, 12);
    expect(rows[0]![2]).toBeCloseTo(1.1, 12);
    expect(rows.slice(1)).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 1, 0],
    ]);
    expect(Array.from(counts.present)).toEqual([1, 0, 1, 1]);
  });

  it('counts objects per sample', () => {
    expect(Array.from(categoryCount(task))).toEqual([2, NaN, 0, 1]);
  });

  it('computes whole score columns', () => {
    const column = scoreColumn(task, 'objectness_least_confidence');
    expect(column[0]).toBeCloseTo(1 - (0.7 + 0.9) / 2, 12);
    expect(column[1]).toBeNaN();
    expect(column[2]).toBe(0);
    expect(column[3]).toBe(0);
    expect(() => scoreColumn(task, 'mean_uncertainty')).toThrow(/valid/);
  });
});
