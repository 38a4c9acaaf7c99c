/**
 * The images of an upload: the computed `lightly.*` keys and a thumbnail of each. An image that cannot
 * be decoded marks its sample corrupt rather than rejecting the upload.
 */
import type { CorruptSample, MetadataKeyManifest } from '../../store/columns.js';
import { mapLimit } from '../../store/mapLimit.js';
import { corruptReason, ImageDecodeError, UploadValidationError } from '../errors.js';
import { computeImageMetadata, IMAGE_METADATA_SCHEMA } from '../imageMetadata.js';
import { makeThumbnail, THUMBNAIL_CONTENT_TYPE } from '../thumbnails.js';
import type { ConversionStep } from './step.js';

/** Images decoded at once (each holds its pixels). */
const IMAGES_IN_FLIGHT = 4;

/**
 * Writes the computed keys (adding them to `metadata`, the next manifest's) and the thumbnails; returns
 * the samples whose image cannot be decoded, by absolute row.
 */
export async function convertImages(step: ConversionStep, metadata: Record<string, MetadataKeyManifest>): Promise<CorruptSample[]> {
  const { writer, rows } = step;
  const firstRow = step.manifest.rowCount;
  const columns = new Map(IMAGE_METADATA_SCHEMA.map((field) => [field.name, new Float64Array(rows).fill(NaN)]));
  const thumbnails = new Uint8Array(rows);
  const corrupt: CorruptSample[] = [];
  await mapLimit(step.files.images, IMAGES_IN_FLIGHT, async ({ fileName, path }) => {
    const row = step.rowOf(fileName);
    if (row === undefined) throw new UploadValidationError(`image '${fileName}' is not a sample of embeddings.csv`, { file: path });
    const bytes = await step.reader.bytes(path);
    let values;
    try {
      values = await computeImageMetadata(bytes, path);
    } catch (error) {
      // An unreadable image is a fact about the sample, not a fault of the upload: the sample is kept,
      // marked corrupt (never selected), and its computed keys stay missing.
      if (!(error instanceof ImageDecodeError)) throw error;
      corrupt.push({ row: firstRow + row, fileName, reason: corruptReason(bytes, error) });
      return;
    }
    for (const [name, column] of columns) column[row] = values[name];
    if (await writeThumbnail(step, firstRow + row, bytes, path)) thumbnails[row] = 1;
  });
  corrupt.sort((a, b) => a.row - b.row);
  await writer.addColumn('thumbnail', thumbnails);
  for (const field of IMAGE_METADATA_SCHEMA) {
    await writer.addColumn(`metadata/${field.name}`, columns.get(field.name)!);
    metadata[field.name] = { type: field.valueDataType, computed: true };
  }
  return corrupt;
}

/**
 * A decodable image has a thumbnail for the console; should making one still fail, the sample only
 * shows without it. Whether one was written.
 */
async function writeThumbnail({ writer }: ConversionStep, row: number, bytes: Uint8Array, path: string): Promise<boolean> {
  const thumbnail = await makeThumbnail(bytes, path).catch((error: unknown) => {
    if (error instanceof ImageDecodeError) return undefined;
    throw error;
  });
  if (!thumbnail) return false;
  await writer.putThumbnail(row, thumbnail, THUMBNAIL_CONTENT_TYPE);
  return true;
}
