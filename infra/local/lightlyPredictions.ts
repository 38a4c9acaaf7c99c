/**
 * The predictions of a generated Lightly folder: the object-detection tasks (with the object embeddings
 * of one), a classification, a semantic-segmentation and a keypoint task.
 */
import { encodeRle } from '../../functions/formats/predictions.js';
import { embeddingsCsv, fixed, taskSchema, writeRecords, type GenerationTarget } from './generatorParts.js';

export const PRETAGGING_CLASSES = ['car', 'bicycle', 'bus', 'motorcycle', 'person', 'train', 'truck'] as const;
const PRETAGGING_WEIGHTS = [0.4, 0.05, 0.08, 0.05, 0.3, 0.02, 0.1];

export const TASKS = {
  detection: 'my_object_detection_task',
  pretagging: 'lightly_pretagging',
  objects: 'my_object_detections',
  classification: 'my_classification_task',
  segmentation: 'my_segmentation_task',
  keypoints: 'my_keypoint_task',
} as const;

/** Writes the task list and the three object-detection tasks; returns the box count per sample per task. */
export function writeDetectionPredictions(target: GenerationTarget): Record<string, number[]> {
  const boxes: Record<string, number[]> = {};
  const tasks = Object.values(TASKS);
  target.files.set('.lightly/predictions/tasks.json', JSON.stringify(tasks, null, 2) + '\n');
  boxes[TASKS.detection] = writeDetectionTask(target, TASKS.detection, ['car', 'person', 'bicycle'], [0.5, 0.35, 0.15], 4, true);
  boxes[TASKS.pretagging] = writeDetectionTask(target, TASKS.pretagging, PRETAGGING_CLASSES, PRETAGGING_WEIGHTS, 5, false);
  boxes[TASKS.objects] = writeDetectionTask(target, TASKS.objects, ['car', 'person'], [0.6, 0.4], 3, true);
  return boxes;
}

/** Writes one object-detection task of 0–maxBoxes boxes per sample; returns the box count per sample. */
function writeDetectionTask(
  { rng, files, layout, fileNames }: GenerationTarget,
  task: string,
  classes: readonly string[],
  weights: readonly number[],
  maxBoxes: number,
  withProbabilities: boolean,
): number[] {
  const box = (): [number, number, number, number] => [rng.int(600), rng.int(400), 10 + rng.int(200), 10 + rng.int(150)];
  files.set(`.lightly/predictions/${task}/schema.json`, taskSchema('object-detection', classes));
  const counts: number[] = [];
  const records = fileNames.map((fileName) => {
    const count = rng.int(maxBoxes + 1);
    counts.push(count);
    const predictions = Array.from({ length: count }, () => {
      const category = rng.pick(weights);
      const confident = rng.next() < 0.6;
      const probabilities = rng.probabilities(classes.length, category, confident ? 5 : 0.8);
      const prediction: Record<string, unknown> = { category_id: category, bbox: box(), score: withProbabilities ? probabilities[category] : fixed(0.3 + rng.next() * 0.7, 3) };
      if (withProbabilities) prediction.probabilities = probabilities;
      return prediction;
    });
    return { file_name: fileName, predictions };
  });
  writeRecords(files, `.lightly/predictions/${task}`, 'predictions.jsonl', records, layout);
  return counts;
}

/** Writes the object embeddings of my_object_detections: near the image's embedding, one row per box. */
export function writeObjectEmbeddings({ rng, files, fileNames }: GenerationTarget, objectBoxes: readonly number[], embeddings: Float32Array, dim: number, cluster: readonly number[]) {
  const objectNames: string[] = [];
  const objectLabels: number[] = [];
  const objectData: number[] = [];
  objectBoxes.forEach((count, i) => {
    for (let k = 0; k < count; k++) {
      objectNames.push(`${fileNames[i]}#${k}`);
      objectLabels.push(cluster[i]!);
      for (let j = 0; j < dim; j++) objectData.push(fixed(embeddings[i * dim + j]! + rng.normal() * 0.2));
    }
  });
  files.set(`embeddings/${TASKS.objects}.csv`, embeddingsCsv(objectNames, Float32Array.from(objectData), dim, objectLabels));
}

/** Writes the classification task: one probability vector per sample. */
export function writeClassificationPredictions({ rng, files, layout, fileNames }: GenerationTarget) {
  files.set(`.lightly/predictions/${TASKS.classification}/schema.json`, taskSchema('classification', ['cat', 'dog', 'bird']));
  writeRecords(
    files,
    `.lightly/predictions/${TASKS.classification}`,
    'predictions.jsonl',
    fileNames.map((fileName) => {
      const category = rng.int(3);
      const probabilities = rng.probabilities(3, category, rng.next() * 6);
      return { file_name: fileName, predictions: [{ category_id: probabilities.indexOf(Math.max(...probabilities)), probabilities }] };
    }),
    layout,
  );
}

/** Writes semantic segmentation on 8×6 masks: background everywhere but a road band and maybe a car block. */
export function writeSegmentationPredictions({ rng, files, layout, fileNames }: GenerationTarget) {
  files.set(`.lightly/predictions/${TASKS.segmentation}/schema.json`, taskSchema('semantic-segmentation', ['background', 'road', 'car']));
  writeRecords(
    files,
    `.lightly/predictions/${TASKS.segmentation}`,
    'predictions.jsonl',
    fileNames.map((fileName) => {
      const width = 8;
      const height = 6;
      const labels = new Uint8Array(width * height);
      const roadFrom = 2 + rng.int(3);
      for (let y = roadFrom; y < height; y++) for (let x = 0; x < width; x++) labels[y * width + x] = 1;
      if (rng.next() < 0.5) {
        const cx = rng.int(width - 2);
        const cy = rng.int(height - 2);
        for (let y = cy; y < cy + 2; y++) for (let x = cx; x < cx + 2; x++) labels[y * width + x] = 2;
      }
      const predictions = [0, 1, 2]
        .filter((c) => labels.includes(c))
        .map((c) => {
          const probabilities = rng.probabilities(3, c, 1 + rng.next() * 5);
          return { category_id: c, segmentation: encodeRle(labels.map((label) => (label === c ? 1 : 0))), score: probabilities[c], probabilities };
        });
      return { file_name: fileName, predictions };
    }),
    layout,
  );
}

/** Writes the keypoint task: 0–2 people of 4 keypoints per sample. */
export function writeKeypointPredictions({ rng, files, layout, fileNames }: GenerationTarget) {
  files.set(`.lightly/predictions/${TASKS.keypoints}/schema.json`, taskSchema('keypoint-detection', ['person']));
  writeRecords(
    files,
    `.lightly/predictions/${TASKS.keypoints}`,
    'predictions.jsonl',
    fileNames.map((fileName) => ({
      file_name: fileName,
      predictions: Array.from({ length: rng.int(3) }, () => ({
        category_id: 0,
        keypoints: Array.from({ length: 4 }, () => [rng.int(600), rng.int(400), fixed(rng.next(), 3)]).flat(),
        score: fixed(rng.next(), 3),
      })),
    })),
    layout,
  );
}

