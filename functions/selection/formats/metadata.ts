/**
 * Lightly metadata: `.lightly/metadata/schema.json` plus one JSON per file or one `metadata.jsonl`.
 *
 * - schema.json: a list of `{name, path, defaultValue, valueDataType}`. `path` is the dotted path of the
 *   value inside a record's `metadata` object and is the key selection configs refer to
 *   (`"key": "weather.description"`). Names and paths must be unique. `defaultValue` must have the
 *   entry's type; it may be omitted, in which case a missing value stays missing (the sample is dropped
 *   from the pool by a strategy that needs the key).
 * - A record: `{file_name, type?, metadata}`; `type` is `image`, `video` or `crop` when given and is not
 *   used by selection. Records may not repeat a file name and must name a file of the dataset (when the
 *   dataset's file names are known).
 * - Values are checked against the schema type: NUMERIC_INT and CATEGORICAL_INT need an integer,
 *   NUMERIC_FLOAT a finite number, CATEGORICAL_STRING a string, CATEGORICAL_BOOLEAN a boolean. `null` or
 *   an absent value takes `defaultValue`. Values at paths not in the schema are ignored, except the
 *   computed `lightly.*` keys ({@link COMPUTED_METADATA_KEYS}), which are recognised without a schema entry
 *   when supplied, with their fixed types.
 * - Dotted-path lookup: `a.b.c` is looked up as nested objects; a key that itself contains dots is found
 *   too (`{"lightly.sharpness": 3}` and `{"lightly": {"sharpness": 3}}` both answer `lightly.sharpness`).
 */
import type { MetadataValueType } from '../types.js';
import { MetadataFormatError } from './errors.js';
import { JsonContext, jsonPathIndex, jsonPathKey, toNumberedLines, type JsonObject, type JsonValue, type LineSource } from './json.js';

export const METADATA_VALUE_TYPES: readonly MetadataValueType[] = [
  'NUMERIC_INT',
  'NUMERIC_FLOAT',
  'CATEGORICAL_STRING',
  'CATEGORICAL_INT',
  'CATEGORICAL_BOOLEAN',
];

/** Computed metadata keys and their types; supplied values are accepted without a schema entry. */
export const COMPUTED_METADATA_KEYS: ReadonlyMap<string, MetadataValueType> = new Map<string, MetadataValueType>([
  ['lightly.sharpness', 'NUMERIC_FLOAT'],
  ['lightly.snr', 'NUMERIC_FLOAT'],
  ['lightly.sizeInBytes', 'NUMERIC_INT'],
  ['lightly.width', 'NUMERIC_INT'],
  ['lightly.height', 'NUMERIC_INT'],
  ['lightly.luminance', 'NUMERIC_FLOAT'],
  ['lightly.contrast', 'NUMERIC_FLOAT'],
  ['lightly.uniformRowRatio', 'NUMERIC_FLOAT'],
]);

export type MetadataScalar = number | string | boolean;

export interface MetadataSchemaEntry {
  readonly name: string;
  readonly path: string;
  readonly valueDataType: MetadataValueType;
  readonly defaultValue?: MetadataScalar;
}

export interface MetadataRecord {
  readonly fileName: string;
  readonly type?: string;
  readonly metadata: JsonObject;
  /** Where the record came from, for later errors. */
  readonly file: string;
  readonly line?: number;
}

export const isNumericType = (type: MetadataValueType) => type === 'NUMERIC_INT' || type === 'NUMERIC_FLOAT';

export function parseMetadataSchema(text: string, file: string): MetadataSchemaEntry[] {
  const ctx: JsonContext = new JsonContext(file, undefined, MetadataFormatError);
  const list = ctx.array(ctx.parse(text), '$');
  const entries: MetadataSchemaEntry[] = [];
  const names = new Set<string>();
  const paths = new Set<string>();
  list.forEach((item, i) => {
    const path = jsonPathIndex('$', i);
    const obj = ctx.object(item, path);
    ctx.keys(obj, path, ['name', 'path', 'defaultValue', 'valueDataType'], ['name', 'path', 'valueDataType']);
    const name = ctx.string(obj.name, `${path}.name`, { nonEmpty: true });
    const keyPath = ctx.string(obj.path, `${path}.path`, { nonEmpty: true });
    if (keyPath.split('.').some((s) => s.length === 0)) ctx.fail('invalid_value', `${path}.path`, `${JSON.stringify(keyPath)} is not a dotted path`);
    const type = ctx.string(obj.valueDataType, `${path}.valueDataType`);
    if (!METADATA_VALUE_TYPES.includes(type as MetadataValueType)) {
      ctx.fail('invalid_value', `${path}.valueDataType`, `${JSON.stringify(type)} is not one of ${METADATA_VALUE_TYPES.join(', ')}`);
    }
    if (names.has(name)) ctx.fail('duplicate_entry', `${path}.name`, `name ${JSON.stringify(name)} appears twice`);
    if (paths.has(keyPath)) ctx.fail('duplicate_entry', `${path}.path`, `path ${JSON.stringify(keyPath)} appears twice`);
    names.add(name);
    paths.add(keyPath);
    const entry: { -readonly [K in keyof MetadataSchemaEntry]: MetadataSchemaEntry[K] } = {
      name,
      path: keyPath,
      valueDataType: type as MetadataValueType,
    };
    if (obj.defaultValue !== undefined && obj.defaultValue !== null) {
      entry.defaultValue = checkValue(ctx, obj.defaultValue, type as MetadataValueType, `${path}.defaultValue`);
    }
    entries.push(entry);
  });
  return entries;
}

/** Checks a value against a schema type; returns it as a scalar. */
export function checkValue(ctx: JsonContext, value: JsonValue, type: MetadataValueType, path: string): MetadataScalar {
  switch (type) {
    case 'NUMERIC_INT':
    case 'CATEGORICAL_INT':
      return ctx.integer(value, path);
    case 'NUMERIC_FLOAT':
      return ctx.number(value, path);
    case 'CATEGORICAL_STRING':
      return ctx.string(value, path);
    case 'CATEGORICAL_BOOLEAN':
      return ctx.boolean(value, path);
  }
}

function parseRecord(ctx: JsonContext, value: JsonValue): MetadataRecord {
  const obj = ctx.object(value, '$');
  ctx.keys(obj, '$', ['file_name', 'type', 'metadata'], ['file_name', 'metadata']);
  const fileName = ctx.string(obj.file_name, '$.file_name', { nonEmpty: true });
  const metadata = ctx.object(obj.metadata, '$.metadata');
  const record: { -readonly [K in keyof MetadataRecord]: MetadataRecord[K] } = { fileName, metadata, file: ctx.file };
  if (ctx.line !== undefined) record.line = ctx.line;
  if (obj.type !== undefined) {
    const type = ctx.string(obj.type, '$.type');
    if (type !== 'image' && type !== 'video' && type !== 'crop') ctx.fail('invalid_value', '$.type', `${JSON.stringify(type)} is not one of image, video, crop`);
    record.type = type;
  }
  return record;
}

/** Parses one per-file metadata JSON (`.lightly/metadata/<name>.json`). */
export function parseMetadataFile(text: string, file: string): MetadataRecord {
  const ctx: JsonContext = new JsonContext(file, undefined, MetadataFormatError);
  return parseRecord(ctx, ctx.parse(text));
}

/** Parses one line of `metadata.jsonl` (for callers that read lines themselves, e.g. from a stream). */
export function parseMetadataLine(text: string, file: string, line: number): MetadataRecord {
  const ctx: JsonContext = new JsonContext(file, line, MetadataFormatError);
  return parseRecord(ctx, ctx.parse(text));
}

/** Parses `metadata.jsonl`: one record per line; blank lines are skipped. */
export function* parseMetadataJsonl(source: LineSource, file: string): Generator<MetadataRecord> {
  for (const { line, text } of toNumberedLines(source)) yield parseMetadataLine(text, file, line);
}

/** Looks a dotted path up in a metadata object (nested objects, or keys that contain dots). */
export function lookupPath(obj: JsonObject, path: string): JsonValue | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, path)) return obj[path];
  const segments = path.split('.');
  return lookupSegments(obj, segments, 0);
}

function lookupSegments(obj: JsonObject, segments: string[], from: number): JsonValue | undefined {
  let key = '';
  for (let k = from; k < segments.length; k++) {
    key = k === from ? segments[k]! : `${key}.${segments[k]}`;
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    const value = obj[key];
    if (k === segments.length - 1) return value;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const found = lookupSegments(value, segments, k + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** A metadata column as plain arrays, indexed by row. */
export type MetadataValues =
  | { kind: 'numeric'; values: Float64Array }
  | { kind: 'categorical'; codes: Int32Array; categories: string[] };

/** The metadata of a dataset: schema (plus supplied computed keys) and one column per key. */
export interface MetadataTable {
  readonly types: ReadonlyMap<string, MetadataValueType>;
  readonly columns: ReadonlyMap<string, MetadataValues>;
}

/** The text form of a categorical value: strings as they are, integers in decimal, booleans as true/false. */
export const categoryLabel = (value: MetadataScalar) => String(value);

/**
 * Builds metadata columns over the dataset's rows from the schema and the records. `rowOf` maps a file name
 * to its row (undefined = not in the dataset, an error). Rows without a record take the default values.
 */
export function buildMetadataTable(
  schema: readonly MetadataSchemaEntry[],
  records: Iterable<MetadataRecord>,
  rowCount: number,
  rowOf: (fileName: string) => number | undefined,
): MetadataTable {
  const types = new Map<string, MetadataValueType>();
  const entries = new Map<string, MetadataSchemaEntry>();
  for (const entry of schema) {
    types.set(entry.path, entry.valueDataType);
    entries.set(entry.path, entry);
  }
  const values = new Map<string, (MetadataScalar | undefined)[]>();
  for (const key of types.keys()) values.set(key, new Array<MetadataScalar | undefined>(rowCount));
  const seen = new Map<string, { file: string; line?: number }>();
  for (const record of records) {
    const ctx: JsonContext = new JsonContext(record.file, record.line, MetadataFormatError);
    const row = rowOf(record.fileName);
    if (row === undefined) ctx.fail('unknown_file', '$.file_name', `file ${JSON.stringify(record.fileName)} is not in the dataset`);
    const previous = seen.get(record.fileName);
    if (previous) {
      ctx.fail('duplicate_file', '$.file_name', `file ${JSON.stringify(record.fileName)} already has metadata in ${previous.file}${previous.line ? `:${previous.line}` : ''}`);
    }
    seen.set(record.fileName, record.line === undefined ? { file: record.file } : { file: record.file, line: record.line });
    for (const [key, type] of types) {
      const value = lookupPath(record.metadata, key);
      if (value === undefined || value === null) continue;
      values.get(key)![row] = checkValue(ctx, value, type, metadataJsonPath(key));
    }
    for (const [key, type] of COMPUTED_METADATA_KEYS) {
      if (entries.has(key)) continue;
      const value = lookupPath(record.metadata, key);
      if (value === undefined || value === null) continue;
      let column = values.get(key);
      if (!column) {
        column = new Array<MetadataScalar | undefined>(rowCount);
        values.set(key, column);
        types.set(key, type);
      }
      column[row] = checkValue(ctx, value, type, metadataJsonPath(key));
    }
  }
  const columns = new Map<string, MetadataValues>();
  for (const [key, type] of types) {
    const raw = values.get(key)!;
    const fallback = entries.get(key)?.defaultValue;
    if (isNumericType(type)) {
      const out = new Float64Array(rowCount);
      for (let r = 0; r < rowCount; r++) {
        const v = raw[r] ?? fallback;
        out[r] = v === undefined ? NaN : (v as number);
      }
      columns.set(key, { kind: 'numeric', values: out });
    } else {
      const codes = new Int32Array(rowCount);
      const categories: string[] = [];
      const codeOf = new Map<string, number>();
      for (let r = 0; r < rowCount; r++) {
        const v = raw[r] ?? fallback;
        if (v === undefined) {
          codes[r] = -1;
          continue;
        }
        const label = categoryLabel(v);
        let code = codeOf.get(label);
        if (code === undefined) {
          code = categories.length;
          categories.push(label);
          codeOf.set(label, code);
        }
        codes[r] = code;
      }
      columns.set(key, { kind: 'categorical', codes, categories });
    }
  }
  return { types, columns };
}

function metadataJsonPath(key: string): string {
  return key.split('.').reduce((path, segment) => jsonPathKey(path, segment), '$.metadata');
}
