/**
 * Computed image metadata: the eight `lightly.*` keys of docs/selection.md ("Computed metadata"), from the
 * bytes of one image file.
 *
 * Where the spec is silent, the definitions are:
 *
 * - Decoding (sharp / libvips): the first frame or page only (animated GIF/WebP, multi-page TIFF/HEIF/PDF).
 *   The EXIF orientation is applied first, so `width`/`height` and every statistic are those of the image
 *   as displayed (a 6/8-oriented JPEG has its stored width and height swapped). Embedded ICC profiles are
 *   honoured and every colour space (CMYK, grey, palette, 16-bit) is converted to 8-bit sRGB by libvips;
 *   16-bit samples thereby keep their high byte. Invalid pixel data (including truncation) fails the
 *   decode; mere warnings (e.g. trailing bytes after a JPEG) do not.
 * - Alpha is discarded, not composited: the colour values stored under a transparent pixel are measured as
 *   they are. This is what PIL's `convert('L')`/`convert('RGB')` do, and so what a PIL-based training
 *   pipeline sees.
 * - Grey: ITU-R BT.601 luma rounded to 8 bits, bit-exact with PIL's mode `L`:
 *   `L = (19595·R + 38470·G + 7471·B + 2^15) >> 16` (≈ 0.299R + 0.587G + 0.114B). Grey inputs map to
 *   themselves. All statistics are taken on this 8-bit grey image.
 * - Scale: `luminance` and `contrast` are on [0, 1] (8-bit value / 255), so `luminance` ∈ [0, 1] and
 *   `contrast` ∈ [0, 0.5]. `sharpness` is on the 8-bit pixel scale (the Laplacian of 0–255 pixels), the
 *   scale of the reference's blur thresholds — the documentation's "sharpness above 20" example keeps
 *   images whose Laplacian std exceeds 20 grey levels; `snr` is scale-free.
 * - `luminance` = mean grey; `contrast` = RMS contrast = standard deviation of grey; `snr` = mean / std of
 *   grey, 0 when the std is 0. Standard deviations are population ones (divide by N, like numpy's default).
 * - Laplacian: kernel [[−1,−1,−1],[−1,8,−1],[−1,−1,−1]] over the valid region only (no padding): an image
 *   of W×H gives (W−2)×(H−2) responses. `sharpness` = population std of those responses. An image narrower or
 *   shorter than 3 px has no responses: its `sharpness` and `uniformRowRatio` are 0.
 * - `uniformRowRatio`: the grey image, when taller than 400 px, is resized by libvips to exactly 400 px high
 *   (width scaled in proportion and rounded, at least 1 px) with the `cubic` (Catmull-Rom) kernel — the
 *   kernel closest to PIL's default `resize` — and rounded back to 8 bits. Its Laplacian response is taken
 *   as above; a pixel is uniform when |response| < 5/255 (on 8-bit values: |response| ≤ 4). A response row
 *   is uniform when strictly more than 97 % of its W'−2 pixels are; the ratio is uniform rows / (H'−2).
 * - `sizeInBytes` is the length of the file as given; `width`/`height` are after EXIF orientation.
 *
 * Performance: one libvips decode to interleaved 8-bit RGB, then one JS pass converting to a single
 * `Uint8Array` grey buffer while summing its moments, and one pass computing the Laplacian with sliding
 * column sums (4 reads per pixel, no data-dependent branch) that yields both the sharpness moments and the
 * uniform-row count. Images taller than 400 px add a libvips resize of the grey buffer and a Laplacian pass
 * over the small result.
 * All sums are of integers and exact in float64 up to libvips' default limit of 0x3FFF² pixels.
 *
 * Deployment: `sharp` ships its native code (and libvips) as per-platform npm packages
 * (`@img/sharp-linux-arm64`, `@img/sharp-libvips-linux-arm64`, …). The Lambda runs on linux-arm64, so its
 * bundle must not inline sharp with esbuild but install it for that platform, e.g. with the CDK
 * `NodejsFunction` option `bundling: { nodeModules: ['sharp'] }` and the install run as
 * `npm install --cpu=arm64 --os=linux` (or with `npm_config_arch=arm64 npm_config_platform=linux`); a
 * bundle built on x64 without that carries only the x64 binaries and fails to load. The stack's bundling
 * checks that the arm64 binaries are in the asset (infra/lambda.ts), and sharp is loaded on the first image
 * only ({@link loadSharp}): a bundle without it still serves every request that decodes no image, and the
 * one that does fails with {@link ImageDecoderUnavailableError} rather than the whole module graph.
 */
import type { OutputInfo, SharpConstructor } from 'sharp';

import type { MetadataValueType } from '../selection/types.js';
import { COMPUTED_METADATA_FIELDS, type ComputedMetadataKey } from '../formats/metadata.js';
import { ImageDecodeError, ImageDecoderUnavailableError } from './errors.js';

let sharpLoading: Promise<SharpConstructor> | undefined;

/**
 * sharp, imported on first use. A failed load is not kept, so a later call tries again; it fails with
 * {@link ImageDecoderUnavailableError}, never as a decode error of the image at hand (the image is not at fault).
 */
export function loadSharp(): Promise<SharpConstructor> {
  const loading = (sharpLoading ??= import('sharp').then(
    (module) => module.default,
    (error: unknown) => {
      sharpLoading = undefined;
      throw new ImageDecoderUnavailableError(error instanceof Error ? error.message : String(error), { cause: error });
    },
  ));
  return loading;
}

/** The computed `lightly.*` metadata of one image. */
export interface ImageMetadata {
  /** Population std of the 3×3 Laplacian response of the 8-bit grey image (valid region), in grey levels. */
  readonly 'lightly.sharpness': number;
  /** Mean / std of the grey pixels; 0 when the std is 0. */
  readonly 'lightly.snr': number;
  /** Length of the file in bytes. */
  readonly 'lightly.sizeInBytes': number;
  /** Width in pixels, after EXIF orientation. */
  readonly 'lightly.width': number;
  /** Height in pixels, after EXIF orientation. */
  readonly 'lightly.height': number;
  /** Mean grey value on [0, 1]. */
  readonly 'lightly.luminance': number;
  /** RMS contrast: population std of the grey values on [0, 1]. */
  readonly 'lightly.contrast': number;
  /** Fraction of Laplacian rows (of the grey image at most 400 px high) that are more than 97 % uniform. */
  readonly 'lightly.uniformRowRatio': number;
}

export type ImageMetadataKey = keyof ImageMetadata;

// The interface documents each key; the compiler holds it to the one list of keys.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const keysMatch: SameKeys<ImageMetadataKey, ComputedMetadataKey> = true;
void keysMatch;

export interface ImageMetadataField {
  readonly name: ImageMetadataKey;
  readonly valueDataType: Extract<MetadataValueType, 'NUMERIC_INT' | 'NUMERIC_FLOAT'>;
}

/** The value type of every computed key, in a fixed order (the list is the formats' one). */
export const IMAGE_METADATA_SCHEMA: readonly ImageMetadataField[] = COMPUTED_METADATA_FIELDS;

/** Images taller than this are resized to it before counting uniform rows. */
export const UNIFORM_ROWS_MAX_HEIGHT = 400;
/** A Laplacian response (on 8-bit grey values) is uniform when its absolute value is below this: 5/255. */
const UNIFORM_RESPONSE_LIMIT = 5;
/** A response row is uniform when strictly more than this percentage of its pixels are. */
const UNIFORM_ROW_PERCENT = 97;

/**
 * Decodes `bytes` and computes its `lightly.*` metadata. `fileName` only names the file in errors.
 * Throws {@link ImageDecodeError} when the bytes are not a decodable image.
 */
export async function computeImageMetadata(bytes: Uint8Array, fileName: string): Promise<ImageMetadata> {
  const sharp = await loadSharp();
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { autoOrient: true, failOn: 'error', pages: 1 })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageDecodeError(fileName, error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { data, info } = decoded;
  const { width, height, channels } = info;
  // 8-bit samples: the length check rules out any wider sample type.
  if ((channels !== 3 && channels !== 1) || data.length !== width * height * channels) {
    const layout = `${width}×${height}×${channels}, ${data.length} bytes`;
    throw new ImageDecodeError(fileName, `unexpected decoded layout: ${layout}`);
  }

  const { grey, sum, sumSq } = toGrey(data, channels);
  const pixels = width * height;
  const mean = sum / pixels;
  const variance = Math.max(0, sumSq / pixels - mean * mean);
  const std = Math.sqrt(variance);

  const full = laplacian(grey, width, height);
  const lapMean = full.responses > 0 ? full.sum / full.responses : 0;
  const lapStd = full.responses > 0 ? Math.sqrt(Math.max(0, full.sumSq / full.responses - lapMean * lapMean)) : 0;

  let rows = full;
  if (height > UNIFORM_ROWS_MAX_HEIGHT) {
    const small = await resizeGrey(grey, width, height);
    rows = laplacian(small.data, small.width, small.height);
  }

  return {
    'lightly.sharpness': lapStd,
    'lightly.snr': std > 0 ? mean / std : 0,
    'lightly.sizeInBytes': bytes.byteLength,
    'lightly.width': width,
    'lightly.height': height,
    'lightly.luminance': mean / 255,
    'lightly.contrast': std / 255,
    'lightly.uniformRowRatio': rows.rows > 0 ? rows.uniformRows / rows.rows : 0,
  };
}

/** 8-bit BT.601 grey exactly as PIL's `L`, with the sum and sum of squares of the grey values. */
function toGrey(data: Uint8Array, channels: number): { grey: Uint8Array; sum: number; sumSq: number } {
  const pixels = data.length / channels;
  const grey = new Uint8Array(pixels);
  let sum = 0;
  let sumSq = 0;
  if (channels === 1) {
    for (let i = 0; i < pixels; i++) {
      const v = data[i]!;
      grey[i] = v;
      sum += v;
      sumSq += v * v;
    }
  } else {
    for (let i = 0, j = 0; i < pixels; i++, j += 3) {
      const v = (data[j]! * 19595 + data[j + 1]! * 38470 + data[j + 2]! * 7471 + 0x8000) >>> 16;
      grey[i] = v;
      sum += v;
      sumSq += v * v;
    }
  }
  return { grey, sum, sumSq };
}

interface LaplacianMoments {
  /** Number of responses: (W−2)·(H−2), or 0. */
  readonly responses: number;
  /** Sum and sum of squares of the responses, in 8-bit units. */
  readonly sum: number;
  readonly sumSq: number;
  /** Number of response rows (H−2, or 0) and how many of them are uniform. */
  readonly rows: number;
  readonly uniformRows: number;
}

/**
 * One pass of the 3×3 Laplacian [−1 around, 8 centre] over the valid region of an 8-bit grey image.
 * The response is 9·centre − (sum of the 3×3 block); the block sum slides along the row from three
 * vertical column sums, so each pixel costs four reads.
 */
function laplacian(grey: Uint8Array, width: number, height: number): LaplacianMoments {
  const innerWidth = width - 2;
  const innerHeight = height - 2;
  if (innerWidth < 1 || innerHeight < 1) return { responses: 0, sum: 0, sumSq: 0, rows: 0, uniformRows: 0 };
  let sum = 0;
  let sumSq = 0;
  let uniformRows = 0;
  for (let y = 1; y <= innerHeight; y++) {
    const up = (y - 1) * width;
    const mid = y * width;
    const down = (y + 1) * width;
    let left = grey[up]! + grey[mid]! + grey[down]!;
    let centre = grey[up + 1]! + grey[mid + 1]! + grey[down + 1]!;
    let rowSum = 0;
    let rowSumSq = 0;
    let uniform = 0;
    for (let x = 1; x <= innerWidth; x++) {
      const right = grey[up + x + 1]! + grey[mid + x + 1]! + grey[down + x + 1]!;
      const response = 9 * grey[mid + x]! - (left + centre + right);
      rowSum += response;
      rowSumSq += response * response;
      // Branch-free |response| < limit (the branch mispredicts on noisy images): |r| − limit < 0 ⇔ sign bit.
      const sign = response >> 31;
      uniform += (((response ^ sign) - sign - UNIFORM_RESPONSE_LIMIT) >>> 31);
      left = centre;
      centre = right;
    }
    sum += rowSum;
    sumSq += rowSumSq;
    if (uniform * 100 > UNIFORM_ROW_PERCENT * innerWidth) uniformRows++;
  }
  return { responses: innerWidth * innerHeight, sum, sumSq, rows: innerHeight, uniformRows };
}

/** Resizes an 8-bit grey image to {@link UNIFORM_ROWS_MAX_HEIGHT} px high (aspect kept, cubic kernel). */
async function resizeGrey(
  grey: Uint8Array,
  width: number,
  height: number,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(grey, { raw: { width, height, channels: 1 } })
    .resize({ height: UNIFORM_ROWS_MAX_HEIGHT, kernel: 'cubic' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== info.width * info.height) {
    const layout = `${info.width}×${info.height}×${info.channels}, ${data.length} bytes`;
    throw new Error(`unexpected resized grey layout: ${layout}`);
  }
  return { data, width: info.width, height: info.height };
}
