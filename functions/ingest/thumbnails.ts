/**
 * Thumbnails of uploaded images, made at commit so the console can show a page of a tag's samples
 * without sending the originals (a camera frame is often megabytes; a page shows a hundred).
 *
 * Why at ingest rather than serving the original scaled down in the page: the commit decodes every image
 * anyway (computed metadata), and a thumbnail costs a fraction of that decode — measured on a 1280×960
 * image, 10–30 ms for the thumbnail against 20–140 ms for the metadata (libvips shrinks JPEG and WebP
 * while loading them). A thumbnail is a few kilobytes, so a page of them loads at once on any link.
 *
 * Form: WebP (every current browser shows it), at most {@link THUMBNAIL_MAX_SIDE} px on its longer side,
 * never enlarged, EXIF orientation applied (as displayed), first frame or page only, alpha kept.
 * Stored per sample beside its shard (functions/store/columns.ts, `thumbnailKey`).
 */
import { ImageDecodeError } from './errors.js';
import { loadSharp } from './imageMetadata.js';

export const THUMBNAIL_MAX_SIDE = 256;
export const THUMBNAIL_CONTENT_TYPE = 'image/webp';
const THUMBNAIL_QUALITY = 75;

/**
 * The thumbnail of one image file. Throws {@link ImageDecodeError} when the bytes cannot be decoded.
 * sharp (native code) is loaded on first use ({@link loadSharp}), so code paths that never make a
 * thumbnail do not load it, and a bundle without it fails with ImageDecoderUnavailableError.
 */
export async function makeThumbnail(bytes: Uint8Array, fileName: string): Promise<Uint8Array> {
  const sharp = await loadSharp();
  try {
    return await sharp(bytes, { autoOrient: true, failOn: 'error', pages: 1 })
      .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: THUMBNAIL_QUALITY })
      .toBuffer();
  } catch (error) {
    throw new ImageDecodeError(fileName, error instanceof Error ? error.message : String(error), { cause: error });
  }
}
