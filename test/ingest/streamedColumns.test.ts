/**
 * A commit reads metadata and predictions record by record and keeps columns, not records. These tests
 * hold the streamed path to the whole-file functions the offline CLI uses: same columns, whatever the
 * order of the records and wherever the byte chunks of a JSON-lines file break.
 */
import { describe, expect, it } from 'vitest';
import { forEachLine } from '../../functions/ingest/lines.js';
import { TaskColumnsBuilder } from '../../functions/ingest/taskColumns.js';
import {
  buildMetadataTable,
  buildTaskPredictions,
  MetadataTableBuilder,
  numberedLines,
  parseMetadataJsonl,
  parseMetadataSchema,
  parsePredictionsJsonl,
  parseTaskSchema,
  PredictionRowPlacer,
  PredictionsFormatError,
  type PredictionRecord,
} from '../../functions/formats/index.js';
import { categoryCount, classCounts, scoreColumn, scoreNamesFor } from '../../functions/selection/scores/index.js';
import { generateLightlyFiles, Rng, TASKS } from '../../infra/local/lightlyFolder.js';

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function linesOf(text: string, size: number): Promise<{ line: number; text: string }[]> {
  const lines: { line: number; text: string }[] = [];
  await forEachLine(chunksOf(new TextEncoder().encode(text), size), (content, line) => lines.push({ line, text: content }));
  return lines;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = new Rng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// More samples than a scoring batch (several batches), so that batch boundaries are crossed.
const { files, truth } = generateLightlyFiles({ samples: 4500, layout: 'jsonl', seed: 11 });
const rowIndex = new Map(truth.fileNames.map((name, row) => [name, row]));
const rowOf = (name: string) => rowIndex.get(name);
const rowCount = truth.fileNames.length;

describe('JSON lines from a byte stream', () => {
  it('numbers and skips lines exactly as the in-memory reader does, for every chunk size', async () => {
    const text = '\ufeff{"a": 1}\r\n\r\n  \n{"b": "ünï日本"}\n{"c": 3}';
    const expected = [...numberedLines(text)];
    expect(expected.map((l) => l.line)).toEqual([1, 4, 5]);
    for (let size = 1; size <= 12; size++) expect(await linesOf(text, size)).toEqual(expected);
    expect(await linesOf(text + '\n', 64 * 1024)).toEqual(expected);
  });

  it('reads a generated metadata.jsonl line for line like the in-memory reader', async () => {
    const text = files.get('.lightly/metadata/metadata.jsonl')!;
    const expected = [...numberedLines(text)];
    expect(expected.length).toBe(rowCount);
    expect(await linesOf(text, 997)).toEqual(expected);
  });
});

describe('metadata columns, record by record', () => {
  it('are the same whatever the order of the records, category codes included', () => {
    const schema = parseMetadataSchema(files.get('.lightly/metadata/schema.json')!, 'schema.json');
    const records = [...parseMetadataJsonl(files.get('.lightly/metadata/metadata.jsonl')!, 'metadata.jsonl')];
    const inOrder = buildMetadataTable(schema, records, rowCount, rowOf);
    const builder = new MetadataTableBuilder(schema, rowCount, rowOf);
    for (const record of shuffled(records, 3)) builder.add(record);
    const streamed = builder.finish();
    expect([...streamed.types]).toEqual([...inOrder.types]);
    expect(streamed.columns.size).toBeGreaterThan(1);
    for (const [key, column] of inOrder.columns) expect(streamed.columns.get(key)).toEqual(column);
  });
});

describe('prediction columns, record by record', () => {
  const tasks = [TASKS.objects, TASKS.classification, TASKS.segmentation, TASKS.keypoints];

  it.each(tasks)('task %s: scores, class counts, presence and object counts equal the whole-task functions', (task) => {
    const schema = parseTaskSchema(files.get(`.lightly/predictions/${task}/schema.json`)!, 'schema.json', task);
    const records = [...parsePredictionsJsonl(files.get(`.lightly/predictions/${task}/predictions.jsonl`)!, 'predictions.jsonl', schema)];
    // Some rows without a record, to check the values of rows the file does not name.
    const kept = records.filter((_, i) => i % 7 !== 3);
    const whole = buildTaskPredictions(schema, kept, rowCount, rowOf);

    const placer = new PredictionRowPlacer(schema, rowCount, rowOf);
    const builder = new TaskColumnsBuilder(schema, rowCount);
    for (const record of shuffled(kept, 5)) builder.add(placer.place(record), record.predictions);
    const columns = builder.finish();

    expect([...columns.scores.keys()]).toEqual([...scoreNamesFor(schema.type)]);
    for (const name of scoreNamesFor(schema.type)) expect(columns.scores.get(name)).toEqual(scoreColumn(whole, name));
    const counts = classCounts(whole);
    expect(columns.classes).toEqual(counts.classes);
    expect(columns.classCounts).toEqual(counts.counts);
    expect(columns.present).toEqual(counts.present);
    expect(columns.categoryCount).toEqual(categoryCount(whole));
    expect(Array.from(columns.objectCount)).toEqual(whole.rows.map((p) => p?.length ?? -1));
    expect(columns.objectCount.filter((n) => n < 0).length).toBeGreaterThan(0);
  });

  it('refuses a file outside the dataset and a second record of a file, naming the first one', () => {
    const schema = parseTaskSchema(files.get(`.lightly/predictions/${TASKS.objects}/schema.json`)!, 'schema.json', TASKS.objects);
    const placer = new PredictionRowPlacer(schema, rowCount, rowOf);
    const record = (fileName: string, line: number): PredictionRecord => ({ fileName, predictions: [], file: 'p.jsonl', line });
    expect(placer.place(record(truth.fileNames[5]!, 1))).toBe(5);
    const thrown = (work: () => unknown) => {
      try {
        work();
      } catch (error) {
        expect(error).toBeInstanceOf(PredictionsFormatError);
        return error as PredictionsFormatError;
      }
      throw new Error('expected an error');
    };
    const unknown = thrown(() => placer.place(record('nowhere.png', 2)));
    expect([unknown.code, unknown.line, unknown.path]).toEqual(['unknown_file', 2, '$.file_name']);
    const twice = thrown(() => placer.place(record(truth.fileNames[5]!, 9)));
    expect([twice.code, twice.line]).toEqual(['duplicate_file', 9]);
    expect(twice.reason).toContain(`already has predictions for task "${TASKS.objects}" in p.jsonl:1`);
  });
});
