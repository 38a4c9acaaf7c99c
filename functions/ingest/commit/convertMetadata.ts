/**
 * The metadata of an upload: the schema (the dataset's keys, which keep applying to the rows this upload
 * adds, merged with the uploaded schema), then the records streamed into one column per key over the
 * upload's rows.
 */
import type { MetadataKeyManifest } from '../../store/columns.js';
import {
  CategoryCodes,
  MetadataTableBuilder,
  parseMetadataFile,
  parseMetadataLine,
  parseMetadataSchema,
  type MetadataRecord,
  type MetadataSchemaEntry,
  type MetadataTable,
} from '../../formats/index.js';
import { UploadValidationError } from '../errors.js';
import { IMAGE_METADATA_SCHEMA } from '../imageMetadata.js';
import { forEachRecord } from '../lightlyFolder.js';
import type { ConversionStep } from './step.js';

/** Keys computed from images: values computed from an upload's images replace supplied ones. */
const COMPUTED_KEYS = new Set<string>(IMAGE_METADATA_SCHEMA.map((field) => field.name));

/** Converts the upload's metadata into columns, adding each key to `metadata` (the next manifest's). */
export async function convertMetadata(step: ConversionStep, metadata: Record<string, MetadataKeyManifest>, imagesUploaded: boolean): Promise<void> {
  const { files, reader } = step;
  const schema = await mergedSchema(step);
  if (schema.length === 0 && files.metadataRecords.length === 0) return;
  const builder = new MetadataTableBuilder(schema, step.rows, step.rowOf);
  await forEachRecord<MetadataRecord>(reader, files.metadataRecords, parseMetadataLine, parseMetadataFile, (record) => builder.add(record));
  const table = builder.finish();
  const entryOf = new Map(schema.map((e) => [e.path, e]));
  for (const key of table.columns.keys()) {
    // Values computed from images replace supplied ones.
    if (COMPUTED_KEYS.has(key) && imagesUploaded) continue;
    metadata[key] = await writeMetadataColumn(step, key, table, metadata[key], entryOf.get(key)?.defaultValue);
  }
}

/**
 * The keys of earlier uploads (with their defaults), replaced by the uploaded schema's where it names
 * them again — with the type they had.
 */
async function mergedSchema({ files, reader, manifest }: ConversionStep): Promise<MetadataSchemaEntry[]> {
  const schema: MetadataSchemaEntry[] = Object.entries(manifest.metadata)
    .filter(([, key]) => !key.computed)
    .map(([path, key]) => ({ name: path, path, valueDataType: key.type, ...(key.defaultValue !== undefined ? { defaultValue: key.defaultValue } : {}) }));
  const schemaFile = files.metadataSchema;
  if (!schemaFile) return schema;
  const uploaded = parseMetadataSchema(await reader.text(schemaFile), schemaFile);
  uploaded.forEach((entry, index) => {
    const known = manifest.metadata[entry.path];
    if (known && known.type !== entry.valueDataType) {
      throw new UploadValidationError(`key '${entry.path}' is ${entry.valueDataType} here but ${known.type} in the dataset`, {
        file: schemaFile,
        path: `$[${index}].valueDataType`,
      });
    }
  });
  const uploadedPaths = new Set(uploaded.map((e) => e.path));
  return [...schema.filter((e) => !uploadedPaths.has(e.path)), ...uploaded];
}

/** Writes one key's column and returns its manifest entry. */
async function writeMetadataColumn(
  { writer, files }: ConversionStep,
  key: string,
  table: MetadataTable,
  known: MetadataKeyManifest | undefined,
  defaultValue: MetadataSchemaEntry['defaultValue'],
): Promise<MetadataKeyManifest> {
  const column = table.columns.get(key)!;
  const type = table.types.get(key)!;
  if (known && known.type !== type) {
    throw new UploadValidationError(`key '${key}' is ${type} here but ${known.type} in the dataset`, { file: files.metadataSchema ?? 'metadata' });
  }
  const withDefault = defaultValue !== undefined ? { defaultValue } : {};
  if (column.kind === 'numeric') {
    await writer.addColumn(`metadata/${key}`, column.values);
    return { type, ...(COMPUTED_KEYS.has(key) ? { computed: true } : {}), ...withDefault };
  }
  // Codes index the dataset-wide category list, which only grows, so earlier shards stay valid.
  const categories = new CategoryCodes(known?.categories);
  const remap = column.categories.map((label) => categories.codeOf(label));
  const codes = column.codes.map((code) => (code < 0 ? -1 : remap[code]!));
  await writer.addColumn(`metadata/${key}`, codes);
  return { type, categories: categories.labels, ...withDefault };
}
