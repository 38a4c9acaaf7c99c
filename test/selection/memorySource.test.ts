import { describe, expect, it } from 'vitest';
import { buildMetadataTable, parseMetadataSchema, parseTaskSchema } from '../../functions/formats/index.js';
import { createMemorySource, normalizeRows } from '../../functions/selection/memorySource.js';

describe('in-memory selection source', () => {
  const fileNames = ['a.png', 'b.png', 'c.png'];
  const rowOf = (n: string) => (fileNames.includes(n) ? fileNames.indexOf(n) : undefined);
  const metadata = buildMetadataTable(
    parseMetadataSchema('[{"name": "w", "path": "weather", "valueDataType": "CATEGORICAL_STRING"}, {"name": "s", "path": "speed", "valueDataType": "NUMERIC_FLOAT"}]', 's.json'),
    [{ fileName: 'b.png', metadata: { weather: 'sunny', speed: 3 }, file: 'm.jsonl', line: 1 }],
    3,
    rowOf,
  );
  const det = parseTaskSchema('{"task_type": "object-detection", "categories": [{"id": 0, "name": "car"}, {"id": 1, "name": "bus"}]}', 's.json', 'det');
  const query = createMemorySource({ id: 'q', fileNames: ['q1', 'q2'], embeddings: { dim: 2, data: Float32Array.from([0, 5, 3, 0]) }, tags: new Map([['one', Int32Array.from([1])]]) });
  const source = createMemorySource({
    id: 'main',
    fileNames,
    embeddings: { dim: 2, data: Float32Array.from([3, 4, 0, 0, -2, 0]) },
    metadata,
    tasks: new Map([['det', { schema: det, rows: [[{ categoryId: 1, bbox: [0, 0, 1, 1], score: 0.8 }], undefined, []] }]]),
    objectEmbeddings: new Map([['det', { dim: 2, data: Float32Array.from([0, 2]), sampleRow: Int32Array.from([0]), objectIndex: Int32Array.from([0]) }]]),
    tags: new Map([['picked', Int32Array.from([0, 2])]]),
    resolveDataset: (id) => (id === 'q' ? query : undefined),
  });

  it('serves normalized embeddings and keeps the raw ones', () => {
    expect(Array.from(source.embeddings()!.data)).toEqual([0.6, 0.8, 0, 0, -1, 0].map(Math.fround));
    expect(Array.from(source.rawEmbeddings()!.data)).toEqual([3, 4, 0, 0, -2, 0]);
    expect(source.embeddings()).toBe(source.embeddings());
    expect(Array.from(source.objectEmbeddings('det')!.data)).toEqual([0, 1]);
    expect(source.objectEmbeddings('other')).toBeUndefined();
    expect(Array.from(normalizeRows(Float32Array.from([0, 0, 1, 0]), 2))).toEqual([0, 0, 1, 0]);
  });

  it('serves metadata, scores, class vectors and counts', () => {
    expect(source.fileName(1)).toBe('b.png');
    expect(source.rowOf('c.png')).toBe(2);
    expect(() => source.fileName(3)).toThrow(RangeError);
    expect(source.metadataKeys().get('weather')).toBe('CATEGORICAL_STRING');
    expect(source.metadata('weather')).toEqual({ kind: 'categorical', codes: Int32Array.from([-1, 0, -1]), categories: ['sunny'] });
    expect(source.metadata('nope')).toBeUndefined();
    expect(source.tasks().get('det')).toEqual({ name: 'det', type: 'OBJECT_DETECTION', categories: new Map([[0, 'car'], [1, 'bus']]) });
    expect(source.scoreNames('det')).toContain('objectness_least_confidence');
    const score = source.score('det', 'objectness_least_confidence')!;
    expect(score[0]).toBeCloseTo(0.2, 6);
    expect(score[1]).toBeNaN();
    expect(score[2]).toBe(0);
    expect(source.score('det', 'mean_uncertainty')).toBeUndefined();
    expect(Array.from(source.classCounts('det')!.counts)).toEqual([0, 1, 0, 0, 0, 0]);
    expect(Array.from(source.categoryCount('det')!)).toEqual([1, NaN, 0]);
  });

  it('resolves tags and query sets', () => {
    expect(Array.from(source.tagRows('initial-tag')!)).toEqual([0, 1, 2]);
    expect(source.tagNames()).toEqual(['initial-tag', 'picked']);
    const own = source.querySet('main', 'picked')!;
    expect(own.embeddings.rows).toBe(2);
    expect(Array.from(own.embeddings.data)).toEqual([0.6, 0.8, -1, 0].map(Math.fround));
    expect(Array.from(own.inQuerySet!)).toEqual([1, 0, 1]);
    const other = source.querySet('q', 'one')!;
    expect(Array.from(other.embeddings.data)).toEqual([1, 0]);
    expect(other.inQuerySet).toBeUndefined();
    expect(source.querySet('q', 'missing')).toBeUndefined();
    expect(source.querySet('nobody', 'initial-tag')).toBeUndefined();
  });

  it('rejects inconsistent input', () => {
    expect(() => createMemorySource({ fileNames: ['a', 'a'] })).toThrow(/twice/);
    expect(() => createMemorySource({ fileNames: ['a'], embeddings: { dim: 2, data: new Float32Array(4) } })).toThrow(/rows/);
  });
});
