/**
 * The per-row columns of one prediction task (active-learning scores, class counts, presence, object
 * count), filled as prediction records stream in, without keeping the records: a million files'
 * predictions as objects would not fit the memory of a commit.
 *
 * Records are scored in batches with the functions of `selection/scores` (the same code the workflow's
 * definitions refer to), then scattered to their rows; a row without a record keeps the values
 * `scoreColumn`, `classCounts` and `categoryCount` give it: NaN scores and count, zero class counts, not
 * present.
 */
import type { Prediction, TaskSchema } from '../formats/index.js';
import { categoryCount, classCounts, scoreColumn, scoreNamesFor } from '../selection/scores/index.js';

/**
 * Records scored per batch: few enough that a batch's records die young (promoted garbage would grow the
 * heap), enough to make the per-call cost of the scoring functions negligible.
 */
const BATCH = 512;

export interface TaskColumnValues {
  readonly scores: ReadonlyMap<string, Float64Array>;
  readonly classes: readonly string[];
  /** rows × classes. */
  readonly classCounts: Float64Array;
  readonly present: Uint8Array;
  readonly categoryCount: Float64Array;
  /** Number of predictions per row; -1 = no record. */
  readonly objectCount: Int32Array;
}

export class TaskColumnsBuilder {
  private readonly scores = new Map<string, Float64Array>();
  private readonly counts: Float64Array;
  private readonly present: Uint8Array;
  private readonly categoryCount: Float64Array;
  private readonly objectCount: Int32Array;
  private readonly classCount: number;
  private batchRows: number[] = [];
  private batchPredictions: (readonly Prediction[])[] = [];

  constructor(
    private readonly schema: TaskSchema,
    rowCount: number,
  ) {
    for (const name of scoreNamesFor(schema.type)) this.scores.set(name, new Float64Array(rowCount).fill(NaN));
    this.classCount = schema.categories.length;
    this.counts = new Float64Array(rowCount * this.classCount);
    this.present = new Uint8Array(rowCount);
    this.categoryCount = new Float64Array(rowCount).fill(NaN);
    this.objectCount = new Int32Array(rowCount).fill(-1);
  }

  /** The predictions of a row (each row at most once). */
  add(row: number, predictions: readonly Prediction[]): void {
    this.batchRows.push(row);
    this.batchPredictions.push(predictions);
    if (this.batchRows.length === BATCH) this.flush();
  }

  finish(): TaskColumnValues {
    this.flush();
    return {
      scores: this.scores,
      classes: this.schema.categories.map((c) => c.name),
      classCounts: this.counts,
      present: this.present,
      categoryCount: this.categoryCount,
      objectCount: this.objectCount,
    };
  }

  private flush(): void {
    const rows = this.batchRows;
    if (rows.length === 0) return;
    const batch = { schema: this.schema, rows: this.batchPredictions };
    for (const [name, column] of this.scores) {
      const values = scoreColumn(batch, name);
      for (let i = 0; i < rows.length; i++) column[rows[i]!] = values[i]!;
    }
    const k = this.classCount;
    const counts = classCounts(batch).counts;
    const objects = categoryCount(batch);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      this.counts.set(counts.subarray(i * k, (i + 1) * k), row * k);
      this.present[row] = 1;
      this.categoryCount[row] = objects[i]!;
      this.objectCount[row] = this.batchPredictions[i]!.length;
    }
    this.batchRows = [];
    this.batchPredictions = [];
  }
}
