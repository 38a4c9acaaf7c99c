/**
 * Active-learning scores and class vectors of a prediction task, computed per sample from its predictions.
 * Pure: no I/O. Every score is in [0, 1], NaN for a sample without a prediction record.
 *
 * Each prediction is read as a probability vector over the task's categories (ascending id order):
 * its `probabilities` when given; otherwise, when only `score` is given, the two-class vector
 * `[score, 1 − score]` (the reference's reading of a bare confidence); otherwise (only `category_id`) a
 * one-hot vector, i.e. no uncertainty.
 *
 * - CLASSIFICATION: `uncertainty_least_confidence`, `uncertainty_margin`, `uncertainty_entropy` of the
 *   file's prediction (0 when its prediction list is empty).
 * - OBJECT_DETECTION and INSTANCE_SEGMENTATION: the same three per object, reduced with **max** over the
 *   objects (0 without objects); `objectness_least_confidence` = 1 − mean object `score` (0 without
 *   objects; an object without `score` counts with its largest probability, or 1 when it has none).
 * - SEMANTIC_SEGMENTATION: the three classification scores per pixel, **mean** over the pixels covered by
 *   the segments. Every pixel of a segment has the segment's probability vector (the reference's format
 *   carries one vector per segment), so the mean is the area-weighted mean over segments
 *   (area = foreground pixels of the RLE). 0 without segments or with zero covered pixels.
 * - KEYPOINT_DETECTION: `mean_uncertainty` = 1 − mean confidence over all keypoints of all objects of the
 *   file (0 without keypoints).
 */
import type { Prediction, TaskPredictions } from '../../formats/predictions.js';
import { rleArea } from '../../formats/predictions.js';
import type { ClassCounts, TaskType } from '../types.js';
import { UNCERTAINTY_SCORES, uncertainty, type UncertaintyScore } from './uncertainty.js';

export { entropy, leastConfidence, margin, uncertainty, UNCERTAINTY_SCORES, type UncertaintyScore } from './uncertainty.js';

export type ScoreName = UncertaintyScore | 'objectness_least_confidence' | 'mean_uncertainty';

const SCORE_NAMES: Readonly<Record<TaskType, readonly ScoreName[]>> = {
  CLASSIFICATION: UNCERTAINTY_SCORES,
  OBJECT_DETECTION: [...UNCERTAINTY_SCORES, 'objectness_least_confidence'],
  INSTANCE_SEGMENTATION: [...UNCERTAINTY_SCORES, 'objectness_least_confidence'],
  SEMANTIC_SEGMENTATION: UNCERTAINTY_SCORES,
  KEYPOINT_DETECTION: ['mean_uncertainty'],
};

/** The score names a task type has. */
export function scoreNamesFor(type: TaskType): readonly ScoreName[] {
  return SCORE_NAMES[type];
}

export function isScoreName(type: TaskType, name: string): name is ScoreName {
  return (SCORE_NAMES[type] as readonly string[]).includes(name);
}

/** The probability vector a prediction stands for (see the module comment). */
export function probabilityVector(prediction: Prediction, categoryIds: readonly number[]): readonly number[] {
  if (prediction.probabilities) return prediction.probabilities;
  if (prediction.score !== undefined) return [prediction.score, 1 - prediction.score];
  const oneHot = new Array<number>(categoryIds.length).fill(0);
  const k = categoryIds.indexOf(prediction.categoryId);
  if (k >= 0) oneHot[k] = 1;
  return oneHot;
}

/**
 * The score of one sample. `predictions` undefined = no prediction record (NaN). Throws a RangeError for
 * a score name the task type does not have.
 */
export function sampleScore(type: TaskType, name: string, predictions: readonly Prediction[] | undefined, categoryIds: readonly number[]): number {
  if (!isScoreName(type, name)) {
    throw new RangeError(`score "${name}" does not exist for ${type} tasks; valid: ${SCORE_NAMES[type].join(', ')}`);
  }
  if (predictions === undefined) return NaN;
  if (predictions.length === 0) return 0;
  if (name === 'mean_uncertainty') {
    let sum = 0;
    let count = 0;
    for (const p of predictions) {
      const kp = p.keypoints;
      if (!kp) continue;
      for (let k = 2; k < kp.length; k += 3) {
        sum += kp[k]!;
        count++;
      }
    }
    return count === 0 ? 0 : 1 - sum / count;
  }
  if (name === 'objectness_least_confidence') {
    let sum = 0;
    for (const p of predictions) sum += p.score ?? (p.probabilities ? Math.max(...p.probabilities) : 1);
    return Math.min(1, Math.max(0, 1 - sum / predictions.length));
  }
  switch (type) {
    case 'CLASSIFICATION':
      return uncertainty(name, probabilityVector(predictions[0]!, categoryIds));
    case 'SEMANTIC_SEGMENTATION': {
      let weighted = 0;
      let pixels = 0;
      for (const p of predictions) {
        const area = p.segmentation ? rleArea(p.segmentation) : 0;
        if (area === 0) continue;
        weighted += area * uncertainty(name, probabilityVector(p, categoryIds));
        pixels += area;
      }
      return pixels === 0 ? 0 : weighted / pixels;
    }
    default: {
      let max = 0;
      for (const p of predictions) {
        const s = uncertainty(name, probabilityVector(p, categoryIds));
        if (s > max) max = s;
      }
      return max;
    }
  }
}

/** A score column over the rows of a task (NaN where a row has no prediction record). */
export function scoreColumn(task: TaskPredictions, name: string): Float64Array {
  const ids = task.schema.categories.map((c) => c.id);
  if (!isScoreName(task.schema.type, name)) sampleScore(task.schema.type, name, undefined, ids);
  const out = new Float64Array(task.rows.length);
  for (let r = 0; r < task.rows.length; r++) out[r] = sampleScore(task.schema.type, name, task.rows[r], ids);
  return out;
}

/**
 * CLASS_DISTRIBUTION: per sample, the sum over its objects of their probability vectors, or of the one-hot
 * vector of `category_id` for an object without `probabilities` (a bare `score` is not spread over
 * classes). Classes are the category names in ascending id order.
 */
export function classCounts(task: TaskPredictions): ClassCounts {
  const categories = task.schema.categories;
  const k = categories.length;
  const indexOf = new Map(categories.map((c, i) => [c.id, i]));
  const rows = task.rows.length;
  const counts = new Float64Array(rows * k);
  const present = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const predictions = task.rows[r];
    if (predictions === undefined) continue;
    present[r] = 1;
    const base = r * k;
    for (const p of predictions) {
      if (p.probabilities) for (let c = 0; c < k; c++) counts[base + c]! += p.probabilities[c]!;
      else counts[base + indexOf.get(p.categoryId)!]! += 1;
    }
  }
  return { classes: categories.map((c) => c.name), counts, present };
}

/** CATEGORY_COUNT: the number of predicted objects per sample (NaN without a prediction record). */
export function categoryCount(task: TaskPredictions): Float64Array {
  const out = new Float64Array(task.rows.length);
  for (let r = 0; r < task.rows.length; r++) out[r] = task.rows[r]?.length ?? NaN;
  return out;
}
