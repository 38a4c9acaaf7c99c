import { describe, expect, it } from 'vitest';
import {
  buildMetadataTable,
  lookupPath,
  MetadataFormatError,
  parseMetadataFile,
  parseMetadataJsonl,
  parseMetadataSchema,
  type FormatError,
  type MetadataRecord,
} from '../../functions/formats/index.js';

const SCHEMA_FILE = '.lightly/metadata/schema.json';
const SCHEMA = JSON.stringify([
  { name: 'Weather', path: 'weather.description', defaultValue: 'unknown', valueDataType: 'CATEGORICAL_STRING' },
  { name: 'Temp', path: 'temperature', defaultValue: 20, valueDataType: 'NUMERIC_FLOAT' },
  { name: 'Count', path: 'count', valueDataType: 'NUMERIC_INT' },
  { name: 'Camera', path: 'camera.id', defaultValue: 0, valueDataType: 'CATEGORICAL_INT' },
  { name: 'Night', path: 'night', defaultValue: false, valueDataType: 'CATEGORICAL_BOOLEAN' },
]);

function thrown(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MetadataFormatError);
    return err as FormatError;
  }
  throw new Error('expected an error');
}

const rows = ['a.png', 'b.png', 'c.png'];
const rowOf = (name: string) => {
  const i = rows.indexOf(name);
  return i < 0 ? undefined : i;
};

describe('metadata schema', () => {
  it('parses entries', () => {
    const schema = parseMetadataSchema(SCHEMA, SCHEMA_FILE);
    expect(schema.map((e) => [e.path, e.valueDataType, e.defaultValue])).toEqual([
      ['weather.description', 'CATEGORICAL_STRING', 'unknown'],
      ['temperature', 'NUMERIC_FLOAT', 20],
      ['count', 'NUMERIC_INT', undefined],
      ['camera.id', 'CATEGORICAL_INT', 0],
      ['night', 'CATEGORICAL_BOOLEAN', false],
    ]);
  });

  const bad: [string, string, { code: string; path?: string; line?: number; reason: RegExp }][] = [
    ['syntax error', '[\n{"name": "a",\n}', { code: 'json_syntax', line: 3, reason: /invalid JSON/ }],
    ['truncated', '[{"name": "a"', { code: 'json_syntax', line: 1, reason: /invalid JSON/ }],
    ['not a list', '{}', { code: 'wrong_type', path: '$', reason: /must be an array/ }],
    ['entry not an object', '[1]', { code: 'wrong_type', path: '$[0]', reason: /must be an object/ }],
    ['missing path', '[{"name": "a", "valueDataType": "NUMERIC_INT"}]', { code: 'missing_field', path: '$[0].path', reason: /required/ }],
    ['unknown type', '[{"name": "a", "path": "a", "valueDataType": "NUMBER"}]', { code: 'invalid_value', path: '$[0].valueDataType', reason: /NUMERIC_INT/ }],
    ['bad default', '[{"name": "a", "path": "a", "valueDataType": "NUMERIC_INT", "defaultValue": 1.5}]', { code: 'wrong_type', path: '$[0].defaultValue', reason: /integer/ }],
    ['bad path', '[{"name": "a", "path": "a..b", "valueDataType": "NUMERIC_INT"}]', { code: 'invalid_value', path: '$[0].path', reason: /dotted path/ }],
    ['unknown field', '[{"name": "a", "path": "a", "valueDataType": "NUMERIC_INT", "default": 1}]', { code: 'unknown_field', path: '$[0].default', reason: /unknown field/ }],
    [
      'duplicate path',
      '[{"name": "a", "path": "x", "valueDataType": "NUMERIC_INT"}, {"name": "b", "path": "x", "valueDataType": "NUMERIC_INT"}]',
      { code: 'duplicate_entry', path: '$[1].path', reason: /twice/ },
    ],
  ];
  it.each(bad)('rejects: %s', (_name, text, expected) => {
    const err = thrown(() => parseMetadataSchema(text, SCHEMA_FILE));
    expect(err.code).toBe(expected.code);
    expect(err.file).toBe(SCHEMA_FILE);
    expect(err.path).toBe(expected.path);
    if ('line' in expected) expect(err.line).toBe(expected.line);
    expect(err.reason).toMatch(expected.reason);
    expect(err.message).toContain(SCHEMA_FILE);
  });
});

describe('metadata records', () => {
  it('parses a per-file JSON and JSON lines', () => {
    const record = parseMetadataFile('{"file_name": "a.png", "type": "image", "metadata": {"x": 1}}', '.lightly/metadata/a.json');
    expect(record).toMatchObject({ fileName: 'a.png', type: 'image', metadata: { x: 1 }, file: '.lightly/metadata/a.json' });
    const records = [...parseMetadataJsonl('{"file_name": "a.png", "metadata": {}}\n\n{"file_name": "b.png", "metadata": {"y": 2}}\n', 'm.jsonl')];
    expect(records.map((r) => [r.fileName, r.line])).toEqual([
      ['a.png', 1],
      ['b.png', 3],
    ]);
  });

  const bad: [string, string, { code: string; path?: string; line: number; reason: RegExp }][] = [
    ['bad JSON line', '{"file_name": "a.png", "metadata": {}}\n{"file_name": \n', { code: 'json_syntax', line: 2, reason: /invalid JSON/ }],
    ['missing file_name', '{"metadata": {}}', { code: 'missing_field', path: '$.file_name', line: 1, reason: /required/ }],
    ['metadata not an object', '{"file_name": "a.png", "metadata": []}', { code: 'wrong_type', path: '$.metadata', line: 1, reason: /object/ }],
    ['bad type', '{"file_name": "a.png", "type": "movie", "metadata": {}}', { code: 'invalid_value', path: '$.type', line: 1, reason: /image, video, crop/ }],
    ['unknown field', '{"file_name": "a.png", "metadata": {}, "meta": 1}', { code: 'unknown_field', path: '$.meta', line: 1, reason: /unknown/ }],
  ];
  it.each(bad)('rejects: %s', (_name, text, expected) => {
    const err = thrown(() => [...parseMetadataJsonl(text, 'metadata.jsonl')]);
    expect(err.code).toBe(expected.code);
    expect(err.file).toBe('metadata.jsonl');
    expect(err.line).toBe(expected.line);
    expect(err.path).toBe(expected.path);
    expect(err.reason).toMatch(expected.reason);
    expect(err.message).toContain(`metadata.jsonl:${expected.line}: `);
  });

  it('names the line of a syntax error in a per-file JSON', () => {
    const err = thrown(() => parseMetadataFile('{\n  "file_name": "a.png",\n  "metadata": {,}\n}', 'meta/a.json'));
    expect(err.code).toBe('json_syntax');
    expect(err.line).toBe(3);
  });
});

describe('dotted-path lookup', () => {
  it('finds nested values and keys containing dots', () => {
    expect(lookupPath({ weather: { description: 'sunny' } }, 'weather.description')).toBe('sunny');
    expect(lookupPath({ 'lightly.sharpness': 3 }, 'lightly.sharpness')).toBe(3);
    expect(lookupPath({ a: { 'b.c': { d: 4 } } }, 'a.b.c.d')).toBe(4);
    expect(lookupPath({ a: { b: 1 } }, 'a.c')).toBeUndefined();
    expect(lookupPath({ a: 1 }, 'a.b')).toBeUndefined();
  });
});

describe('metadata table', () => {
  const schema = parseMetadataSchema(SCHEMA, SCHEMA_FILE);
  const record = (fileName: string, metadata: MetadataRecord['metadata'], line = 1): MetadataRecord => ({ fileName, metadata, file: 'metadata.jsonl', line });

  it('builds typed columns, applies defaults and keeps missing values missing', () => {
    const table = buildMetadataTable(
      schema,
      [
        record('a.png', { weather: { description: 'sunny' }, temperature: 12.5, count: 3, camera: { id: 7 }, night: true }),
        record('c.png', { weather: { description: 'rainy' }, 'lightly.sharpness': 42, lightly: { uniformRowRatio: 0.01 } }, 2),
      ],
      rows.length,
      rowOf,
    );
    const weather = table.columns.get('weather.description');
    expect(weather).toEqual({ kind: 'categorical', codes: Int32Array.from([0, 1, 2]), categories: ['sunny', 'unknown', 'rainy'] });
    expect(Array.from((table.columns.get('temperature') as { values: Float64Array }).values)).toEqual([12.5, 20, 20]);
    expect(Array.from((table.columns.get('count') as { values: Float64Array }).values)).toEqual([3, NaN, NaN]);
    expect(table.columns.get('camera.id')).toEqual({ kind: 'categorical', codes: Int32Array.from([0, 1, 1]), categories: ['7', '0'] });
    expect(table.columns.get('night')).toEqual({ kind: 'categorical', codes: Int32Array.from([0, 1, 1]), categories: ['true', 'false'] });
    // Computed keys supplied as metadata, without a schema entry.
    expect(table.types.get('lightly.sharpness')).toBe('NUMERIC_FLOAT');
    expect(Array.from((table.columns.get('lightly.sharpness') as { values: Float64Array }).values)).toEqual([NaN, NaN, 42]);
    expect(Array.from((table.columns.get('lightly.uniformRowRatio') as { values: Float64Array }).values)).toEqual([NaN, NaN, 0.01]);
  });

  const bad: [string, MetadataRecord[], { code: string; path: string; line: number; reason: RegExp }][] = [
    ['string for a float', [record('a.png', { temperature: 'warm' }, 4)], { code: 'wrong_type', path: '$.metadata.temperature', line: 4, reason: /number/ }],
    ['float for an int', [record('a.png', { count: 2.5 }, 2)], { code: 'wrong_type', path: '$.metadata.count', line: 2, reason: /integer/ }],
    ['number for a string', [record('a.png', { weather: { description: 3 } }, 7)], { code: 'wrong_type', path: '$.metadata.weather.description', line: 7, reason: /string/ }],
    ['string for a boolean', [record('a.png', { night: 'yes' }, 1)], { code: 'wrong_type', path: '$.metadata.night', line: 1, reason: /boolean/ }],
    ['computed key of the wrong type', [record('a.png', { lightly: { sharpness: 'high' } }, 3)], { code: 'wrong_type', path: '$.metadata.lightly.sharpness', line: 3, reason: /number/ }],
    ['unknown file', [record('z.png', {}, 5)], { code: 'unknown_file', path: '$.file_name', line: 5, reason: /"z.png" is not in the dataset/ }],
    ['duplicate file', [record('a.png', {}, 1), record('a.png', {}, 9)], { code: 'duplicate_file', path: '$.file_name', line: 9, reason: /metadata.jsonl:1/ }],
  ];
  it.each(bad)('rejects: %s', (_name, records, expected) => {
    const err = thrown(() => buildMetadataTable(schema, records, rows.length, rowOf));
    expect(err.code).toBe(expected.code);
    expect(err.file).toBe('metadata.jsonl');
    expect(err.line).toBe(expected.line);
    expect(err.path).toBe(expected.path);
    expect(err.reason).toMatch(expected.reason);
  });
});
