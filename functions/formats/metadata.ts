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
import type { MetadataValueType } from '../selection/types.js';
import { MetadataFormatError } from './errors.js';
import { JsonContext, jsonPathIndex, jsonPathKey, toNumberedLines, type JsonObject, type JsonValue, type LineSource } from './json.js';
import { describeSource, RowSources } from './rowSources.js';

export const METADATA_VALUE_TYPES: readonly MetadataValueType[] = [
  'NUMERIC_INT',
  'NUMERIC_FLOAT',
  'CATEGORICAL_STRING',
  'CATEGORICAL_INT',
  'CATEGORICAL_BOOLEAN',
];

/**
 * The computed `lightly.*` metadata (ingest computes them from images), in a fixed order: the one list
 * of these keys. Supplied values are accepted without a schema entry.
 */
export const COMPUTED_METADATA_FIELDS = Object.freeze([
  { name: 'lightly.sharpness', valueDataType: 'NUMERIC_FLOAT' },
  { name: 'lightly.snr', valueDataType: 'NUMERIC_FLOAT' },
  { name: 'lightly.sizeInBytes', valueDataType: 'NUMERIC_INT' },
  { name: 'lightly.width', valueDataType: 'NUMERIC_INT' },
  { name: 'lightly.height', valueDataType: 'NUMERIC_INT' },
  { name: 'lightly.luminance', valueDataType: 'NUMERIC_FLOAT' },
  { name: 'lightly.contrast', valueDataType: 'NUMERIC_FLOAT' },
  { name: 'lightly.uniformRowRatio', valueDataType: 'NUMERIC_FLOAT' },
] as const);

export type ComputedMetadataKey = (typeof COMPUTED_METADATA_FIELDS)[number]['name'];

/** Computed metadata keys and their types. */
export const COMPUTED_METADATA_KEYS: ReadonlyMap<string, MetadataValueType> = new Map<string, MetadataValueType>(
  COMPUTED_METADATA_FIELDS.map((field) => [field.name, field.valueDataType]),
);

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

function lookupSegments(obj: JsonObject, segments: readonly string[], from: number): JsonValue | undefined {
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
  const builder = new MetadataTableBuilder(schema, rowCount, rowOf);
  for (const record of records) builder.add(record);
  return builder.finish();
}

/** Category labels numbered in order of first appearance (optionally after a known list). */
export class CategoryCodes {
  readonly labels: string[];
  private readonly codes: Map<string, number>;

  constructor(known: readonly string[] = []) {
    this.labels = [...known];
    this.codes = new Map(known.map((label, code) => [label, code]));
  }

  /** The label's code; a new label gets the next one. */
  codeOf(label: string): number {
    let code = this.codes.get(label);
    if (code === undefined) {
      code = this.labels.length;
      this.labels.push(label);
      this.codes.set(label, code);
    }
    return code;
  }
}

/** One key's column while records arrive. */
interface KeyColumn {
  readonly key: string;
  readonly type: MetadataValueType;
  readonly segments: readonly string[];
  /** JSON path of the value inside a record, for errors. */
  readonly jsonPath: string;
  readonly fallback: MetadataScalar | undefined;
  /** Numeric keys: the values, NaN = no value yet. */
  readonly numbers: Float64Array | undefined;
  /** Categorical keys: codes into `labels` in order of arrival, -1 = no value yet. */
  readonly codes: Int32Array | undefined;
  readonly labels: CategoryCodes;
}

/**
 * {@link buildMetadataTable} one record at a time, for records streamed from a large file: it keeps typed
 * columns over the rows, not the records. The result is the same whatever the order of the records.
 */
export class MetadataTableBuilder {
  private readonly columns: KeyColumn[] = [];
  private readonly columnOf = new Map<string, KeyColumn>();
  /** The schema's keys are the first columns; computed keys found in records follow. */
  private readonly schemaColumns: number;
  private readonly sources: RowSources;

  constructor(
    schema: readonly MetadataSchemaEntry[],
    private readonly rowCount: number,
    private readonly rowOf: (fileName: string) => number | undefined,
  ) {
    for (const entry of schema) this.addColumn(entry.path, entry.valueDataType, entry.defaultValue);
    this.schemaColumns = this.columns.length;
    this.sources = new RowSources(rowCount);
  }

  add(record: MetadataRecord): void {
    const ctx: JsonContext = new JsonContext(record.file, record.line, MetadataFormatError);
    const row = this.rowOf(record.fileName);
    if (row === undefined) ctx.fail('unknown_file', '$.file_name', `file ${JSON.stringify(record.fileName)} is not in the dataset`);
    const previous = this.sources.claim(row, record);
    if (previous) {
      ctx.fail('duplicate_file', '$.file_name', `file ${JSON.stringify(record.fileName)} already has metadata in ${describeSource(previous)}`);
    }
    for (let k = 0; k < this.schemaColumns; k++) this.set(ctx, this.columns[k]!, record.metadata, row);
    if (!mayHoldComputedKeys(record.metadata)) return;
    // Computed keys supplied without a schema entry get a column when a record first has them.
    for (const [key, type] of COMPUTED_METADATA_KEYS) {
      let column = this.columnOf.get(key);
      if (column && this.columns.indexOf(column) < this.schemaColumns) continue;
      if (!column) {
        const value = lookupPath(record.metadata, key);
        if (value === undefined || value === null) continue;
        column = this.addColumn(key, type, undefined);
      }
      this.set(ctx, column, record.metadata, row);
    }
  }

  finish(): MetadataTable {
    const types = new Map<string, MetadataValueType>();
    const columns = new Map<string, MetadataValues>();
    for (const column of this.columns) {
      types.set(column.key, column.type);
      columns.set(column.key, column.numbers ? this.finishNumeric(column, column.numbers) : this.finishCategorical(column, column.codes!));
    }
    return { types, columns };
  }

  private addColumn(key: string, type: MetadataValueType, fallback: MetadataScalar | undefined): KeyColumn {
    const numeric = isNumericType(type);
    const column: KeyColumn = {
      key,
      type,
      segments: key.split('.'),
      jsonPath: metadataJsonPath(key),
      fallback,
      numbers: numeric ? new Float64Array(this.rowCount).fill(NaN) : undefined,
      codes: numeric ? undefined : new Int32Array(this.rowCount).fill(-1),
      labels: new CategoryCodes(),
    };
    this.columns.push(column);
    this.columnOf.set(key, column);
    return column;
  }

  private set(ctx: JsonContext, column: KeyColumn, metadata: JsonObject, row: number): void {
    const value = Object.prototype.hasOwnProperty.call(metadata, column.key)
      ? metadata[column.key]
      : column.segments.length > 1
        ? lookupSegments(metadata, column.segments, 0)
        : undefined;
    if (value === undefined || value === null) return;
    const scalar = checkValue(ctx, value, column.type, column.jsonPath);
    if (column.numbers) {
      column.numbers[row] = scalar as number;
      return;
    }
    column.codes![row] = column.labels.codeOf(categoryLabel(scalar));
  }

  private finishNumeric(column: KeyColumn, values: Float64Array): MetadataValues {
    // Values are finite, so NaN marks exactly the rows without one.
    const fallback = column.fallback;
    if (fallback !== undefined) for (let r = 0; r < values.length; r++) if (Number.isNaN(values[r]!)) values[r] = fallback as number;
    return { kind: 'numeric', values };
  }

  /** Renumbers the codes in order of first appearance over the rows, the default value included. */
  private finishCategorical(column: KeyColumn, arrived: Int32Array): MetadataValues {
    const categories = new CategoryCodes();
    const arrivedLabels = column.labels.labels;
    const remap = new Int32Array(arrivedLabels.length).fill(-1);
    const fallbackLabel = column.fallback === undefined ? undefined : categoryLabel(column.fallback);
    let fallbackCode = -1;
    const codes = arrived;
    for (let r = 0; r < codes.length; r++) {
      const code = codes[r]!;
      if (code >= 0) {
        if (remap[code]! < 0) remap[code] = categories.codeOf(arrivedLabels[code]!);
        codes[r] = remap[code]!;
      } else if (fallbackLabel !== undefined) {
        if (fallbackCode < 0) fallbackCode = categories.codeOf(fallbackLabel);
        codes[r] = fallbackCode;
      }
    }
    return { kind: 'categorical', codes, categories: categories.labels };
  }
}

/** Whether a metadata object has a key through which a `lightly.*` path could be found. */
function mayHoldComputedKeys(metadata: JsonObject): boolean {
  for (const key in metadata) if (key === 'lightly' || key.startsWith('lightly.')) return true;
  return false;
}

function metadataJsonPath(key: string): string {
  return key.split('.').reduce((path, segment) => jsonPathKey(path, segment), '$.metadata');
}
