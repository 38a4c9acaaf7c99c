import { describe, expect, it } from 'vitest';
import {
  buildObjectEmbeddings,
  buildTaskPredictions,
  decodeRle,
  EmbeddingsFormatError,
  encodeRle,
  parseEmbeddingsCsv,
  parsePredictionFile,
  parsePredictionsJsonl,
  parseTagFile,
  parseTasksJson,
  parseTaskSchema,
  PredictionsFormatError,
  rleArea,
  TagFormatError,
  type FormatError,
  type TaskSchema,
} from '../../functions/formats/index.js';

function thrown(fn: () => unknown, cls: new (...args: never[]) => FormatError = PredictionsFormatError): FormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(cls);
    return err as FormatError;
  }
  throw new Error('expected an error');
}

const detection: TaskSchema = parseTaskSchema(
  JSON.stringify({ task_type: 'object-detection', categories: [{ id: 0, name: 'car' }, { id: 2, name: 'person' }, { id: 1, name: 'bike' }] }),
  'det/schema.json',
  'det',
);
const rows = ['a.png', 'b.png', 'c.png'];
const rowOf = (name: string) => {
  const i = rows.indexOf(name);
  return i < 0 ? undefined : i;
};

describe('tasks.json and schema.json', () => {
  it('parses task names and schemas in both task-type spellings, categories sorted by id', () => {
    expect(parseTasksJson('["det", "cls"]', 'tasks.json')).toEqual(['det', 'cls']);
    expect(detection.type).toBe('OBJECT_DETECTION');
    expect(detection.categories.map((c) => c.name)).toEqual(['car', 'bike', 'person']);
    expect(parseTaskSchema('{"task_type": "KEYPOINT_DETECTION", "categories": [{"id": 0, "name": "p"}]}', 's.json', 'k').type).toBe('KEYPOINT_DETECTION');
    expect(parseTaskSchema('{"task_type": "semantic-segmentation", "categories": [{"id": 0, "name": "p"}]}', 's.json', 's').type).toBe('SEMANTIC_SEGMENTATION');
  });

  const badTasks: [string, string, { code: string; path: string; reason: RegExp }][] = [
    ['not a list', '{"tasks": []}', { code: 'wrong_type', path: '$', reason: /array/ }],
    ['not a string', '["a", 3]', { code: 'wrong_type', path: '$[1]', reason: /string/ }],
    ['slash', '["a/b"]', { code: 'invalid_value', path: '$[0]', reason: /valid task name/ }],
    ['duplicate', '["a", "a"]', { code: 'duplicate_entry', path: '$[1]', reason: /twice/ }],
  ];
  it.each(badTasks)('rejects tasks.json: %s', (_name, text, expected) => {
    const err = thrown(() => parseTasksJson(text, 'p/tasks.json'));
    expect([err.code, err.file, err.path]).toEqual([expected.code, 'p/tasks.json', expected.path]);
    expect(err.reason).toMatch(expected.reason);
  });

  const badSchemas: [string, unknown, { code: string; path: string; reason: RegExp }][] = [
    ['unknown task type', { task_type: 'detection', categories: [{ id: 0, name: 'a' }] }, { code: 'invalid_value', path: '$.task_type', reason: /object-detection/ }],
    ['no categories', { task_type: 'classification', categories: [] }, { code: 'invalid_value', path: '$.categories', reason: /at least one/ }],
    ['negative id', { task_type: 'classification', categories: [{ id: -1, name: 'a' }] }, { code: 'invalid_value', path: '$.categories[0].id', reason: /≥ 0/ }],
    ['string id', { task_type: 'classification', categories: [{ id: '0', name: 'a' }] }, { code: 'wrong_type', path: '$.categories[0].id', reason: /number/ }],
    [
      'duplicate id',
      { task_type: 'classification', categories: [{ id: 0, name: 'a' }, { id: 0, name: 'b' }] },
      { code: 'duplicate_entry', path: '$.categories[1].id', reason: /twice/ },
    ],
    [
      'duplicate name',
      { task_type: 'classification', categories: [{ id: 0, name: 'a' }, { id: 1, name: 'a' }] },
      { code: 'duplicate_entry', path: '$.categories[1].name', reason: /twice/ },
    ],
    ['missing task_type', { categories: [{ id: 0, name: 'a' }] }, { code: 'missing_field', path: '$.task_type', reason: /required/ }],
  ];
  it.each(badSchemas)('rejects schema.json: %s', (_name, value, expected) => {
    const err = thrown(() => parseTaskSchema(JSON.stringify(value), 't/schema.json', 't'));
    expect([err.code, err.file, err.path]).toEqual([expected.code, 't/schema.json', expected.path]);
    expect(err.reason).toMatch(expected.reason);
  });
});

describe('prediction records', () => {
  it('parses a per-file JSON with boxes, scores and probabilities (ascending id order)', () => {
    const record = parsePredictionFile(
      JSON.stringify({ file_name: 'a.png', predictions: [{ category_id: 2, bbox: [1, 2, 30, 40], score: 0.9, probabilities: [0.05, 0.05, 0.9] }] }),
      'det/a.json',
      detection,
    );
    expect(record.fileName).toBe('a.png');
    expect(record.predictions).toEqual([{ categoryId: 2, bbox: [1, 2, 30, 40], score: 0.9, probabilities: [0.05, 0.05, 0.9] }]);
  });

  it('reads JSON lines with line numbers and places records on rows', () => {
    const text = '{"file_name": "c.png", "predictions": []}\n\n{"file_name": "a.png", "predictions": [{"category_id": 1, "bbox": [0, 0, 1, 1]}]}\n';
    const records = [...parsePredictionsJsonl(text, 'det/predictions.jsonl', detection)];
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    const task = buildTaskPredictions(detection, records, rows.length, rowOf);
    expect(task.rows).toEqual([[{ categoryId: 1, bbox: [0, 0, 1, 1] }], undefined, []]);
  });

  const p = (prediction: Record<string, unknown>) => JSON.stringify({ file_name: 'a.png', predictions: [{ category_id: 0, bbox: [0, 0, 1, 1], ...prediction }] });
  const bad: [string, string, TaskSchema | undefined, { code: string; path: string | undefined; reason: RegExp }][] = [
    ['syntax', '{"file_name": "a.png", "predictions": [}', undefined, { code: 'json_syntax', path: undefined, reason: /invalid JSON/ }],
    ['unknown category', p({ category_id: 5 }), undefined, { code: 'unknown_category', path: '$.predictions[0].category_id', reason: /category 5 is not in the schema.*0, 1, 2/ }],
    ['missing category', JSON.stringify({ file_name: 'a.png', predictions: [{ bbox: [0, 0, 1, 1] }] }), undefined, { code: 'missing_field', path: '$.predictions[0].category_id', reason: /required/ }],
    ['missing bbox for detection', JSON.stringify({ file_name: 'a.png', predictions: [{ category_id: 0 }] }), undefined, { code: 'missing_field', path: '$.predictions[0].bbox', reason: /object-detection/ }],
    ['short bbox', p({ bbox: [0, 0, 1] }), undefined, { code: 'invalid_value', path: '$.predictions[0].bbox', reason: /\[x, y, w, h\]/ }],
    ['negative bbox size', p({ bbox: [0, 0, -1, 1] }), undefined, { code: 'invalid_value', path: '$.predictions[0].bbox', reason: /≥ 0/ }],
    ['non-numeric bbox', p({ bbox: [0, 'a', 1, 1] }), undefined, { code: 'wrong_type', path: '$.predictions[0].bbox[1]', reason: /number/ }],
    ['score above 1', p({ score: 1.5 }), undefined, { code: 'invalid_value', path: '$.predictions[0].score', reason: /\[0, 1\]/ }],
    ['probabilities length', p({ probabilities: [0.5, 0.5] }), undefined, { code: 'invalid_value', path: '$.predictions[0].probabilities', reason: /one value per category \(3\)/ }],
    ['probabilities sum', p({ probabilities: [0.5, 0.5, 0.5] }), undefined, { code: 'invalid_value', path: '$.predictions[0].probabilities', reason: /sum to 1/ }],
    ['negative probability', p({ probabilities: [1.2, -0.2, 0] }), undefined, { code: 'invalid_value', path: '$.predictions[0].probabilities[0]', reason: /\[0, 1\]/ }],
    ['unknown field', p({ label: 'car' }), undefined, { code: 'unknown_field', path: '$.predictions[0].label', reason: /unknown field/ }],
    ['predictions not a list', '{"file_name": "a.png", "predictions": {}}', undefined, { code: 'wrong_type', path: '$.predictions', reason: /array/ }],
    ['keypoints not triples', p({ keypoints: [1, 2] }), undefined, { code: 'invalid_value', path: '$.predictions[0].keypoints', reason: /x1, y1, c1/ }],
    ['keypoint confidence', p({ keypoints: [1, 2, 3] }), undefined, { code: 'invalid_value', path: '$.predictions[0].keypoints[2]', reason: /\[0, 1\]/ }],
    ['negative run', p({ segmentation: [1, -2] }), undefined, { code: 'invalid_value', path: '$.predictions[0].segmentation[1]', reason: /≥ 0/ }],
    // Paths are built only for the error: a later prediction and each kind of value name theirs.
    ['second prediction not an object', JSON.stringify({ file_name: 'a.png', predictions: [{ category_id: 0, bbox: [0, 0, 1, 1] }, 7] }), undefined, { code: 'wrong_type', path: '$.predictions[1]', reason: /object/ }],
    ['second prediction, bbox element', JSON.stringify({ file_name: 'a.png', predictions: [{ category_id: 0, bbox: [0, 0, 1, 1] }, { category_id: 1, bbox: [0, 0, 1, null] }] }), undefined, { code: 'wrong_type', path: '$.predictions[1].bbox[3]', reason: /number, got null/ }],
    ['second prediction, unknown field', JSON.stringify({ file_name: 'a.png', predictions: [{ category_id: 0, bbox: [0, 0, 1, 1] }, { category_id: 1, bbox: [0, 0, 1, 1], Score: 1 }] }), undefined, { code: 'unknown_field', path: '$.predictions[1].Score', reason: /allowed: category_id/ }],
    ['fractional category', p({ category_id: 1.5 }), undefined, { code: 'wrong_type', path: '$.predictions[0].category_id', reason: /integer, got 1.5/ }],
    ['bbox not a list', p({ bbox: '0,0,1,1' }), undefined, { code: 'wrong_type', path: '$.predictions[0].bbox', reason: /array/ }],
    ['score a string', p({ score: '0.5' }), undefined, { code: 'wrong_type', path: '$.predictions[0].score', reason: /number, got the string "0.5"/ }],
    ['probability a string', p({ probabilities: [0.5, 0.5, '0'] }), undefined, { code: 'wrong_type', path: '$.predictions[0].probabilities[2]', reason: /number/ }],
    ['keypoint coordinate a string', p({ keypoints: [1, 'y', 0.5] }), undefined, { code: 'wrong_type', path: '$.predictions[0].keypoints[1]', reason: /number/ }],
    ['fractional run', p({ segmentation: [1, 2.5] }), undefined, { code: 'wrong_type', path: '$.predictions[0].segmentation[1]', reason: /integer/ }],
  ];
  it.each(bad)('rejects: %s', (_name, text, schema, expected) => {
    const err = thrown(() => [...parsePredictionsJsonl(`{"file_name": "b.png", "predictions": []}\n${text}\n`, 'det/predictions.jsonl', schema ?? detection)]);
    expect(err.code).toBe(expected.code);
    expect(err.file).toBe('det/predictions.jsonl');
    expect(err.line).toBe(2);
    expect(err.path).toBe(expected.path);
    expect(err.reason).toMatch(expected.reason);
    expect(err.message).toContain('det/predictions.jsonl:2: ');
  });

  it('checks task-type requirements', () => {
    const seg = parseTaskSchema('{"task_type": "semantic-segmentation", "categories": [{"id": 0, "name": "bg"}, {"id": 1, "name": "road"}]}', 's.json', 'seg');
    let err = thrown(() => parsePredictionFile('{"file_name": "a.png", "predictions": [{"category_id": 0}]}', 'seg/a.json', seg));
    expect([err.code, err.path]).toEqual(['missing_field', '$.predictions[0].segmentation']);
    err = thrown(() => parsePredictionFile('{"file_name": "a.png", "predictions": [{"category_id": 0, "segmentation": [2, 2]}, {"category_id": 1, "segmentation": [4, 1]}]}', 'seg/a.json', seg));
    expect([err.code, err.path]).toEqual(['invalid_value', '$.predictions[1].segmentation']);
    const kp = parseTaskSchema('{"task_type": "keypoint-detection", "categories": [{"id": 0, "name": "p"}]}', 's.json', 'kp');
    err = thrown(() => parsePredictionFile('{"file_name": "a.png", "predictions": [{"category_id": 0}]}', 'kp/a.json', kp));
    expect([err.code, err.path]).toEqual(['missing_field', '$.predictions[0].keypoints']);
    const cls = parseTaskSchema('{"task_type": "classification", "categories": [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}]}', 's.json', 'cls');
    err = thrown(() => parsePredictionFile('{"file_name": "a.png", "predictions": [{"category_id": 0}, {"category_id": 1}]}', 'cls/a.json', cls));
    expect([err.code, err.path, err.file]).toEqual(['invalid_value', '$.predictions', 'cls/a.json']);
  });

  it('rejects records of unknown or repeated files', () => {
    const records = [...parsePredictionsJsonl('{"file_name": "a.png", "predictions": []}\n{"file_name": "x.png", "predictions": []}', 'p.jsonl', detection)];
    let err = thrown(() => buildTaskPredictions(detection, records, rows.length, rowOf));
    expect([err.code, err.line, err.path]).toEqual(['unknown_file', 2, '$.file_name']);
    expect(err.reason).toMatch(/"x.png" is not in the dataset/);
    const twice = [...parsePredictionsJsonl('{"file_name": "a.png", "predictions": []}\n{"file_name": "a.png", "predictions": []}', 'p.jsonl', detection)];
    err = thrown(() => buildTaskPredictions(detection, twice, rows.length, rowOf));
    expect([err.code, err.line]).toEqual(['duplicate_file', 2]);
    expect(err.reason).toMatch(/p.jsonl:1/);
  });
});

describe('run-length encoding', () => {
  it('decodes alternating runs starting with background, row-major', () => {
    // A 3×4 mask (3 rows of 4): row 1 is foreground in columns 1–2, row 2 in column 3.
    const mask = decodeRle([5, 2, 4, 1], 12);
    expect(Array.from(mask)).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]);
    expect(rleArea([5, 2, 4, 1])).toBe(3);
    // A mask that starts with foreground begins with a zero-length background run.
    expect(Array.from(decodeRle([0, 2, 1]))).toEqual([1, 1, 0]);
    expect(encodeRle([1, 1, 0])).toEqual([0, 2, 1]);
    expect(encodeRle(mask)).toEqual([5, 2, 4, 1]);
    expect(() => decodeRle([1, 2], 4)).toThrow(/covers 3 pixels, expected 4/);
  });
});

describe('tags', () => {
  it('reads file names to rows, skipping blanks and repeats', () => {
    expect(Array.from(parseTagFile('c.png\n\na.png\r\nc.png\n', 'tags/t.txt', rowOf))).toEqual([0, 2]);
  });
  it('rejects a file that is not in the dataset, naming the line', () => {
    const err = thrown(() => parseTagFile('a.png\nq.png\n', 'tags/t.txt', rowOf), TagFormatError);
    expect([err.code, err.file, err.line]).toEqual(['unknown_file', 'tags/t.txt', 2]);
    expect(err.message).toBe('tags/t.txt:2: file "q.png" is not in the dataset');
  });
});

describe('object embeddings', () => {
  const csv = 'filenames,embedding_0,labels\na.png#0,1,0\na.png#1,2,0\nc.png#0,3,0\n';
  it('places objects on their images', () => {
    const objects = buildObjectEmbeddings(parseEmbeddingsCsv(csv, 'embeddings/det.csv', { objectLevel: true }), rowOf, (row) => [2, undefined, 1][row]);
    expect(Array.from(objects.sampleRow)).toEqual([0, 0, 2]);
    expect(Array.from(objects.objectIndex)).toEqual([0, 1, 0]);
  });
  it('rejects unknown files and objects beyond the predictions', () => {
    const parsed = parseEmbeddingsCsv(csv + 'z.png#0,4,0\n', 'embeddings/det.csv', { objectLevel: true });
    let err = thrown(() => buildObjectEmbeddings(parsed, rowOf), EmbeddingsFormatError);
    expect([err.code, err.file, err.line]).toEqual(['unknown_file', 'embeddings/det.csv', 5]);
    err = thrown(() => buildObjectEmbeddings(parseEmbeddingsCsv(csv, 'e.csv', { objectLevel: true }), rowOf, (row) => [1, undefined, 1][row]), EmbeddingsFormatError);
    expect([err.code, err.line]).toEqual(['invalid_value', 3]);
    expect(err.reason).toMatch(/object 1 of "a.png" does not exist: the file has 1 predictions/);
    err = thrown(() => buildObjectEmbeddings(parseEmbeddingsCsv(csv, 'e.csv', { objectLevel: true }), rowOf, (row) => [2, undefined, undefined][row]), EmbeddingsFormatError);
    expect([err.code, err.line]).toEqual(['invalid_value', 4]);
  });
});
