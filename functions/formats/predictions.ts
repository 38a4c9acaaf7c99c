/**
 * Lightly predictions: `.lightly/predictions/tasks.json`, `<task>/schema.json` and one JSON per file or
 * one `<task>/predictions.jsonl`.
 *
 * - tasks.json: a list of distinct task names (non-empty, no `/`).
 * - schema.json: `{task_type, categories: [{id, name}]}`. `task_type` is written as the reference writes it
 *   (`classification`, `object-detection`, `semantic-segmentation`, `instance-segmentation`,
 *   `keypoint-detection`) or in the upper-case form (`OBJECT_DETECTION`). Category ids are distinct
 *   non-negative integers, names distinct non-empty strings.
 * - A record: `{file_name, predictions: [...]}`; each prediction
 *   `{category_id, bbox?, score?, probabilities?, segmentation?, keypoints?}`:
 *   - `category_id` must be a category of the schema;
 *   - `bbox` = `[x, y, w, h]` in pixels, finite, `w, h ≥ 0`; required for object detection and instance
 *     segmentation;
 *   - `score` in [0, 1];
 *   - `probabilities`: one value in [0, 1] per category, **in ascending category-id order**, summing to 1
 *     (within 0.01);
 *   - `segmentation`: a run-length encoding (see {@link decodeRle}); required for semantic segmentation;
 *   - `keypoints`: `[x1, y1, c1, x2, y2, c2, …]`, confidences `c` in [0, 1]; required for keypoint detection.
 *   Unknown fields are errors (they are usually typos).
 * - A record's file name must be in the dataset (when the dataset's file names are known) and may appear
 *   once per task.
 */
import type { TaskType } from '../selection/types.js';
import { PredictionsFormatError } from './errors.js';
import { JsonContext, jsonPathIndex, toNumberedLines, type JsonValue, type LineSource } from './json.js';
import { describeSource, RowSources } from './rowSources.js';

const TASK_TYPE_NAMES: ReadonlyMap<string, TaskType> = new Map<string, TaskType>([
  ['classification', 'CLASSIFICATION'],
  ['object-detection', 'OBJECT_DETECTION'],
  ['semantic-segmentation', 'SEMANTIC_SEGMENTATION'],
  ['instance-segmentation', 'INSTANCE_SEGMENTATION'],
  ['keypoint-detection', 'KEYPOINT_DETECTION'],
  ['CLASSIFICATION', 'CLASSIFICATION'],
  ['OBJECT_DETECTION', 'OBJECT_DETECTION'],
  ['SEMANTIC_SEGMENTATION', 'SEMANTIC_SEGMENTATION'],
  ['INSTANCE_SEGMENTATION', 'INSTANCE_SEGMENTATION'],
  ['KEYPOINT_DETECTION', 'KEYPOINT_DETECTION'],
]);

/** The reference's spelling of a task type, as written in schema.json. */
export function taskTypeFileName(type: TaskType): string {
  return type.toLowerCase().replace(/_/g, '-');
}

export interface TaskSchema {
  readonly name: string;
  readonly type: TaskType;
  /** Categories in ascending id order (the order of `probabilities`). */
  readonly categories: readonly { readonly id: number; readonly name: string }[];
}

export interface Prediction {
  readonly categoryId: number;
  readonly bbox?: readonly [number, number, number, number];
  readonly score?: number;
  /** One per category, in ascending category-id order. */
  readonly probabilities?: readonly number[];
  readonly segmentation?: readonly number[];
  readonly keypoints?: readonly number[];
}

export interface PredictionRecord {
  readonly fileName: string;
  readonly predictions: readonly Prediction[];
  readonly file: string;
  readonly line?: number;
}

const TASK_NAME = /^[^/\\]+$/;

export function parseTasksJson(text: string, file: string): string[] {
  const ctx: JsonContext = new JsonContext(file, undefined, PredictionsFormatError);
  const list = ctx.array(ctx.parse(text), '$');
  const names: string[] = [];
  list.forEach((item, i) => {
    const path = jsonPathIndex('$', i);
    const name = ctx.string(item, path, { nonEmpty: true });
    if (!TASK_NAME.test(name) || name === '.' || name === '..') ctx.fail('invalid_value', path, `${JSON.stringify(name)} is not a valid task name`);
    if (names.includes(name)) ctx.fail('duplicate_entry', path, `task ${JSON.stringify(name)} appears twice`);
    names.push(name);
  });
  return names;
}

export function parseTaskSchema(text: string, file: string, task: string): TaskSchema {
  const ctx: JsonContext = new JsonContext(file, undefined, PredictionsFormatError);
  const obj = ctx.object(ctx.parse(text), '$');
  ctx.keys(obj, '$', ['task_type', 'categories'], ['task_type', 'categories']);
  const typeName = ctx.string(obj.task_type, '$.task_type');
  const type = TASK_TYPE_NAMES.get(typeName);
  if (!type) {
    ctx.fail('invalid_value', '$.task_type', `${JSON.stringify(typeName)} is not one of classification, object-detection, semantic-segmentation, instance-segmentation, keypoint-detection`);
  }
  const list = ctx.array(obj.categories, '$.categories');
  if (list.length === 0) ctx.fail('invalid_value', '$.categories', 'must list at least one category');
  const categories: { id: number; name: string }[] = [];
  list.forEach((item, i) => {
    const path = jsonPathIndex('$.categories', i);
    const cat = ctx.object(item, path);
    ctx.keys(cat, path, ['id', 'name', 'supercategory'], ['id', 'name']);
    const id = ctx.integer(cat.id, `${path}.id`);
    if (id < 0) ctx.fail('invalid_value', `${path}.id`, 'must be ≥ 0');
    const name = ctx.string(cat.name, `${path}.name`, { nonEmpty: true });
    if (categories.some((c) => c.id === id)) ctx.fail('duplicate_entry', `${path}.id`, `category id ${id} appears twice`);
    if (categories.some((c) => c.name === name)) ctx.fail('duplicate_entry', `${path}.name`, `category name ${JSON.stringify(name)} appears twice`);
    categories.push({ id, name });
  });
  categories.sort((a, b) => a.id - b.id);
  return { name: task, type, categories };
}

const PREDICTION_FIELDS = ['category_id', 'bbox', 'score', 'probabilities', 'segmentation', 'keypoints'];
const PROBABILITY_SUM_TOLERANCE = 0.01;

function parseRecord(ctx: JsonContext, value: JsonValue, schema: TaskSchema): PredictionRecord {
  const obj = ctx.object(value, '$');
  ctx.keys(obj, '$', ['file_name', 'predictions'], ['file_name', 'predictions']);
  const fileName = ctx.string(obj.file_name, '$.file_name', { nonEmpty: true });
  const list = ctx.array(obj.predictions, '$.predictions');
  if (schema.type === 'CLASSIFICATION' && list.length > 1) {
    ctx.fail('invalid_value', '$.predictions', `a classification task has one prediction per file, found ${list.length}`);
  }
  const categoryIds = categoryIdsOf(schema);
  const predictions = new Array<Prediction>(list.length);
  for (let i = 0; i < list.length; i++) predictions[i] = parsePrediction(ctx, list[i]!, i, schema, categoryIds);
  if (schema.type === 'SEMANTIC_SEGMENTATION') {
    let pixels: number | undefined;
    predictions.forEach((p, i) => {
      const total = rleLength(p.segmentation!);
      if (pixels !== undefined && total !== pixels) {
        ctx.fail('invalid_value', `$.predictions[${i}].segmentation`, `covers ${total} pixels, but the first segment of the file covers ${pixels}`);
      }
      pixels = total;
    });
  }
  const record: { -readonly [K in keyof PredictionRecord]: PredictionRecord[K] } = { fileName, predictions, file: ctx.file };
  if (ctx.line !== undefined) record.line = ctx.line;
  return record;
}

/**
 * Prediction `i` of a record. This runs for every object of a million-line file, so each value is checked
 * in place and its JSON path (`$.predictions[i].bbox[2]`) is built only to report an error: building the
 * path of every value made the validation cost twice the JSON.parse of the line, mostly in short-lived
 * strings. The errors are those of the {@link JsonContext} checks, word for word.
 */
function parsePrediction(ctx: JsonContext, item: JsonValue, i: number, schema: TaskSchema, categoryIds: ReadonlySet<number>): Prediction {
  const p = item !== null && typeof item === 'object' && !Array.isArray(item) ? item : ctx.object(item, predictionPath(i));
  for (const key in p) if (!PREDICTION_FIELDS.includes(key)) ctx.keys(p, predictionPath(i), PREDICTION_FIELDS);
  if (p.category_id === undefined) ctx.keys(p, predictionPath(i), PREDICTION_FIELDS, ['category_id']);
  const categoryId = Number.isSafeInteger(p.category_id) ? (p.category_id as number) : ctx.integer(p.category_id, predictionPath(i, 'category_id'));
  if (!categoryIds.has(categoryId)) {
    ctx.fail('unknown_category', predictionPath(i, 'category_id'), `category ${categoryId} is not in the schema of task "${schema.name}" (ids: ${schema.categories.map((c) => c.id).join(', ')})`);
  }
  const prediction: { -readonly [K in keyof Prediction]: Prediction[K] } = { categoryId };
  if (p.bbox !== undefined) {
    const box = Array.isArray(p.bbox) ? p.bbox : ctx.array(p.bbox, predictionPath(i, 'bbox'));
    if (box.length !== 4) ctx.fail('invalid_value', predictionPath(i, 'bbox'), `must be [x, y, w, h], got ${box.length} values`);
    const bbox: [number, number, number, number] = [finite(ctx, box[0], i, 'bbox', 0), finite(ctx, box[1], i, 'bbox', 1), finite(ctx, box[2], i, 'bbox', 2), finite(ctx, box[3], i, 'bbox', 3)];
    if (bbox[2] < 0 || bbox[3] < 0) ctx.fail('invalid_value', predictionPath(i, 'bbox'), 'width and height must be ≥ 0');
    prediction.bbox = bbox;
  } else if (schema.type === 'OBJECT_DETECTION' || schema.type === 'INSTANCE_SEGMENTATION') {
    ctx.fail('missing_field', predictionPath(i, 'bbox'), `is required for ${taskTypeFileName(schema.type)}`);
  }
  if (p.score !== undefined) prediction.score = unitValue(ctx, p.score, i, 'score');
  if (p.probabilities !== undefined) {
    const probs = Array.isArray(p.probabilities) ? p.probabilities : ctx.array(p.probabilities, predictionPath(i, 'probabilities'));
    const numClasses = schema.categories.length;
    if (probs.length !== numClasses) {
      ctx.fail('invalid_value', predictionPath(i, 'probabilities'), `must have one value per category (${numClasses}), got ${probs.length}`);
    }
    const nums = new Array<number>(probs.length);
    let sum = 0;
    for (let k = 0; k < probs.length; k++) sum += nums[k] = unitValue(ctx, probs[k], i, 'probabilities', k);
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) ctx.fail('invalid_value', predictionPath(i, 'probabilities'), `must sum to 1, sum is ${sum}`);
    prediction.probabilities = nums;
  }
  if (p.segmentation !== undefined) {
    const rle = Array.isArray(p.segmentation) ? p.segmentation : ctx.array(p.segmentation, predictionPath(i, 'segmentation'));
    const runs = new Array<number>(rle.length);
    for (let k = 0; k < rle.length; k++) {
      const v = rle[k];
      runs[k] = Number.isSafeInteger(v) ? (v as number) : ctx.integer(v, predictionPath(i, 'segmentation', k));
      if (runs[k]! < 0) ctx.fail('invalid_value', predictionPath(i, 'segmentation', k), 'run lengths must be ≥ 0');
    }
    prediction.segmentation = runs;
  } else if (schema.type === 'SEMANTIC_SEGMENTATION') {
    ctx.fail('missing_field', predictionPath(i, 'segmentation'), 'is required for semantic-segmentation');
  }
  if (p.keypoints !== undefined) {
    const kp = Array.isArray(p.keypoints) ? p.keypoints : ctx.array(p.keypoints, predictionPath(i, 'keypoints'));
    if (kp.length % 3 !== 0) ctx.fail('invalid_value', predictionPath(i, 'keypoints'), `must be [x1, y1, c1, x2, y2, c2, …], got ${kp.length} values`);
    const values = new Array<number>(kp.length);
    for (let k = 0; k < kp.length; k++) values[k] = k % 3 === 2 ? unitValue(ctx, kp[k], i, 'keypoints', k) : finite(ctx, kp[k], i, 'keypoints', k);
    prediction.keypoints = values;
  } else if (schema.type === 'KEYPOINT_DETECTION') {
    ctx.fail('missing_field', predictionPath(i, 'keypoints'), 'is required for keypoint-detection');
  }
  return prediction;
}

/** `$.predictions[i]`, `$.predictions[i].field` or `$.predictions[i].field[k]`: for error messages only. */
function predictionPath(i: number, field?: string, k?: number): string {
  const path = field === undefined ? jsonPathIndex('$.predictions', i) : `${jsonPathIndex('$.predictions', i)}.${field}`;
  return k === undefined ? path : jsonPathIndex(path, k);
}

/** A finite number, else the error of {@link JsonContext.number} at the value's path. */
function finite(ctx: JsonContext, value: JsonValue | undefined, i: number, field: string, k?: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : ctx.number(value, predictionPath(i, field, k));
}

/** A number in [0, 1] (NaN and ±Infinity fail the comparisons), else the error of {@link unit}. */
function unitValue(ctx: JsonContext, value: JsonValue | undefined, i: number, field: string, k?: number): number {
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : unit(ctx, value, predictionPath(i, field, k));
}

const categoryIdSets = new WeakMap<TaskSchema, ReadonlySet<number>>();

/** The schema's category ids as a set, made once per schema rather than once per line. */
function categoryIdsOf(schema: TaskSchema): ReadonlySet<number> {
  let ids = categoryIdSets.get(schema);
  if (!ids) categoryIdSets.set(schema, (ids = new Set(schema.categories.map((c) => c.id))));
  return ids;
}

function unit(ctx: JsonContext, value: JsonValue | undefined, path: string): number {
  const n = ctx.number(value, path);
  if (n < 0 || n > 1) ctx.fail('invalid_value', path, `must be in [0, 1], got ${n}`);
  return n;
}

/** Parses one per-file predictions JSON (`.lightly/predictions/<task>/<name>.json`). */
export function parsePredictionFile(text: string, file: string, schema: TaskSchema): PredictionRecord {
  const ctx: JsonContext = new JsonContext(file, undefined, PredictionsFormatError);
  return parseRecord(ctx, ctx.parse(text), schema);
}

/** Parses one line of `predictions.jsonl` (for callers that read lines themselves). */
export function parsePredictionLine(text: string, file: string, line: number, schema: TaskSchema): PredictionRecord {
  const ctx: JsonContext = new JsonContext(file, line, PredictionsFormatError);
  return parseRecord(ctx, ctx.parse(text), schema);
}

/** Parses `<task>/predictions.jsonl`: one record per line; blank lines are skipped. */
export function* parsePredictionsJsonl(source: LineSource, file: string, schema: TaskSchema): Generator<PredictionRecord> {
  for (const { line, text } of toNumberedLines(source)) yield parsePredictionLine(text, file, line, schema);
}

/** A task's predictions over the dataset's rows; `undefined` = the file has no prediction record. */
export interface TaskPredictions {
  readonly schema: TaskSchema;
  readonly rows: readonly (readonly Prediction[] | undefined)[];
}

/**
 * Places records on rows. `rowOf` maps a file name to its row (undefined = not in the dataset, an error);
 * a file may have one record per task.
 */
export function buildTaskPredictions(
  schema: TaskSchema,
  records: Iterable<PredictionRecord>,
  rowCount: number,
  rowOf: (fileName: string) => number | undefined,
): TaskPredictions {
  const rows = new Array<readonly Prediction[] | undefined>(rowCount).fill(undefined);
  const placer = new PredictionRowPlacer(schema, rowCount, rowOf);
  for (const record of records) rows[placer.place(record)] = record.predictions;
  return { schema, rows };
}

/**
 * The checks of {@link buildTaskPredictions} one record at a time, for records streamed from a large
 * file: the record's file must be in the dataset, and have no earlier record in the task.
 */
export class PredictionRowPlacer {
  private readonly sources: RowSources;

  constructor(
    private readonly schema: TaskSchema,
    rowCount: number,
    private readonly rowOf: (fileName: string) => number | undefined,
  ) {
    this.sources = new RowSources(rowCount);
  }

  /** The record's row. */
  place(record: PredictionRecord): number {
    const row = this.rowOf(record.fileName);
    if (row === undefined) this.fail(record, 'unknown_file', `file ${JSON.stringify(record.fileName)} is not in the dataset`);
    const previous = this.sources.claim(row, record);
    if (previous) {
      this.fail(record, 'duplicate_file', `file ${JSON.stringify(record.fileName)} already has predictions for task "${this.schema.name}" in ${describeSource(previous)}`);
    }
    return row;
  }

  private fail(record: PredictionRecord, code: 'unknown_file' | 'duplicate_file', reason: string): never {
    return new JsonContext(record.file, record.line, PredictionsFormatError).fail(code, '$.file_name', reason);
  }
}

/**
 * Decodes a run-length encoded binary mask, the convention of the reference: the mask is flattened in
 * row-major order (row by row, `index = y * width + x`), and the list holds the lengths of alternating runs
 * of 0s (background) and 1s, **starting with 0s** — a mask that starts with a 1 begins with a run of
 * length 0. The runs must add up to the image's pixel count when one is given.
 */
export function decodeRle(rle: readonly number[], pixelCount?: number): Uint8Array {
  const total = rleLength(rle);
  if (pixelCount !== undefined && total !== pixelCount) throw new RangeError(`RLE covers ${total} pixels, expected ${pixelCount}`);
  const mask = new Uint8Array(total);
  let pos = 0;
  for (let k = 0; k < rle.length; k++) {
    const run = rle[k]!;
    if (k % 2 === 1) mask.fill(1, pos, pos + run);
    pos += run;
  }
  return mask;
}

/** Total number of pixels an RLE covers. */
export function rleLength(rle: readonly number[]): number {
  let total = 0;
  for (const run of rle) total += run;
  return total;
}

/** Number of foreground (1) pixels of an RLE: the sum of its odd-indexed runs. */
export function rleArea(rle: readonly number[]): number {
  let area = 0;
  for (let k = 1; k < rle.length; k += 2) area += rle[k]!;
  return area;
}

/** Encodes a binary mask (row-major) in the same convention as {@link decodeRle}. */
export function encodeRle(mask: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let current = 0;
  let run = 0;
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? 1 : 0;
    if (v === current) run++;
    else {
      runs.push(run);
      current = v;
      run = 1;
    }
  }
  runs.push(run);
  return runs;
}
