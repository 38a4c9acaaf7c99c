import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { ImageDecodeError } from '../../functions/ingest/errors.js';
import {
  IMAGE_METADATA_SCHEMA,
  computeImageMetadata,
  type ImageMetadata,
} from '../../functions/ingest/imageMetadata.js';

// ---------------------------------------------------------------------------------------------------------
// Image builders: every image is made in memory from pixels the test chose, so the expected values follow
// from those pixels and not from the decoder under test.

/** A grey image as a function of (x, y) → 8-bit value. */
function greyPixels(width: number, height: number, value: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = value(x, y);
  return out;
}

/** A one-channel (mode L) PNG. */
async function greyPng(grey: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

/** An interleaved RGB or RGBA PNG. */
async function colourPng(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels } }).png().toBuffer();
}

/** Deterministic pseudo-random bytes (a small LCG), so failures reproduce. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Reference: the spec written out as plainly as possible (two-pass statistics, the kernel as a matrix,
// thresholds as fractions of 255), independent of the implementation's one-pass integer arithmetic.

const KERNEL = [
  [-1, -1, -1],
  [-1, 8, -1],
  [-1, -1, -1],
];

/** PIL's `L` conversion: ITU-R BT.601 luma in 16-bit fixed point, rounded. */
function pilLuma(r: number, g: number, b: number): number {
  return Math.floor((r * 19595 + g * 38470 + b * 7471 + 0x8000) / 65536);
}

function std(values: readonly number[]): number {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

/** Laplacian responses (on 8-bit values) of the valid region, row by row. */
function laplacianRows(grey: Uint8Array, width: number, height: number): number[][] {
  const rows: number[][] = [];
  for (let y = 1; y < height - 1; y++) {
    const row: number[] = [];
    for (let x = 1; x < width - 1; x++) {
      let r = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) r += KERNEL[dy + 1]![dx + 1]! * grey[(y + dy) * width + (x + dx)]!;
      }
      row.push(r);
    }
    rows.push(row);
  }
  return rows;
}

function uniformRowRatio(grey: Uint8Array, width: number, height: number): number {
  const rows = laplacianRows(grey, width, height);
  if (rows.length === 0 || rows[0]!.length === 0) return 0;
  const uniform = rows.filter((row) => row.filter((r) => Math.abs(r) / 255 < 5 / 255).length / row.length > 0.97);
  return uniform.length / rows.length;
}

/** Expected metadata of an 8-bit grey image (sizeInBytes aside), the resize done as documented. */
async function reference(
  grey: Uint8Array,
  width: number,
  height: number,
): Promise<Omit<ImageMetadata, 'lightly.sizeInBytes'>> {
  const values = Array.from(grey, (v) => v / 255);
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const sd = std(values);
  const responses = laplacianRows(grey, width, height)
    .flat()
    .map((r) => r / 255);
  let small = { grey, width, height };
  if (height > 400) {
    const { data, info } = await sharp(grey, { raw: { width, height, channels: 1 } })
      .resize({ height: 400, kernel: 'cubic' })
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    small = { grey: new Uint8Array(data), width: info.width, height: info.height };
  }
  return {
    // Sharpness is reported in 8-bit grey levels.
    'lightly.sharpness': responses.length > 0 ? 255 * std(responses) : 0,
    'lightly.snr': sd === 0 ? 0 : mean / sd,
    'lightly.width': width,
    'lightly.height': height,
    'lightly.luminance': mean,
    'lightly.contrast': sd,
    'lightly.uniformRowRatio': uniformRowRatio(small.grey, small.width, small.height),
  };
}

function expectMatches(actual: ImageMetadata, expected: Partial<ImageMetadata>): void {
  for (const [key, value] of Object.entries(expected) as [keyof ImageMetadata, number][]) {
    expect(actual[key], key).toBeCloseTo(value, 9);
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('IMAGE_METADATA_SCHEMA', () => {
  it('lists every computed key once, integers for size and dimensions', async () => {
    const png = await greyPng(greyPixels(4, 4, () => 0), 4, 4);
    const metadata = await computeImageMetadata(png, 'a.png');
    expect(IMAGE_METADATA_SCHEMA.map((f) => f.name).sort()).toEqual(Object.keys(metadata).sort());
    expect(Object.keys(metadata)).toHaveLength(8);
    const ints = IMAGE_METADATA_SCHEMA.filter((f) => f.valueDataType === 'NUMERIC_INT').map((f) => f.name);
    expect(ints.sort()).toEqual(['lightly.height', 'lightly.sizeInBytes', 'lightly.width']);
    expect(IMAGE_METADATA_SCHEMA.filter((f) => f.valueDataType === 'NUMERIC_FLOAT')).toHaveLength(5);
    for (const value of Object.values(metadata)) expect(Number.isFinite(value)).toBe(true);
  });
});

describe('computeImageMetadata', () => {
  it('a constant colour image: no sharpness, snr 0, every row uniform, luminance as PIL L', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .png()
      .toBuffer();
    const m = await computeImageMetadata(png, 'constant.png');
    // 0.299·200 + 0.587·100 + 0.114·50 = 124.2 → 124
    expect(m).toEqual({
      'lightly.sharpness': 0,
      'lightly.snr': 0,
      'lightly.sizeInBytes': png.length,
      'lightly.width': 64,
      'lightly.height': 48,
      'lightly.luminance': 124 / 255,
      'lightly.contrast': 0,
      'lightly.uniformRowRatio': 1,
    });
  });

  it('grey of pure primaries is BT.601 rounded like PIL (76, 150, 29)', async () => {
    for (const [background, level] of [
      [{ r: 255, g: 0, b: 0 }, 76],
      [{ r: 0, g: 255, b: 0 }, 150],
      [{ r: 0, g: 0, b: 255 }, 29],
    ] as const) {
      const png = await sharp({ create: { width: 5, height: 5, channels: 3, background } }).png().toBuffer();
      expect((await computeImageMetadata(png, 'primary.png'))['lightly.luminance']).toBe(level / 255);
    }
  });

  it('a 1-px checkerboard: responses ±4 (on [0,1]), so sharpness 4 × 255 grey levels and no uniform row', async () => {
    const width = 20;
    const height = 10;
    const grey = greyPixels(width, height, (x, y) => ((x + y) % 2 === 0 ? 255 : 0));
    const m = await computeImageMetadata(await greyPng(grey, width, height), 'checker.png');
    expectMatches(m, {
      'lightly.sharpness': 4 * 255,
      'lightly.luminance': 0.5,
      'lightly.contrast': 0.5,
      'lightly.snr': 1,
      'lightly.uniformRowRatio': 0,
    });
  });

  it('vertical stripes: 1-px wide give responses ±6, 2-px wide give ±3', async () => {
    const width = 22;
    const height = 7;
    const thin = greyPixels(width, height, (x) => (x % 2 === 0 ? 255 : 0));
    const wide = greyPixels(width, height, (x) => (Math.floor(x / 2) % 2 === 0 ? 0 : 255));
    const mThin = await computeImageMetadata(await greyPng(thin, width, height), 'thin.png');
    const mWide = await computeImageMetadata(await greyPng(wide, width, height), 'wide.png');
    expect(mThin['lightly.sharpness']).toBeCloseTo(6 * 255, 9);
    expect(mWide['lightly.sharpness']).toBeCloseTo(3 * 255, 9);
    expect(mThin['lightly.uniformRowRatio']).toBe(0);
    expect(mWide['lightly.uniformRowRatio']).toBe(0);
  });

  it('the uniform threshold is |response| < 5/255 and a row needs more than 97 % uniform pixels', async () => {
    // Height 3 → one response row; width 102 → 100 responses in it.
    const width = 102;
    const height = 3;
    const run = async (grey: Uint8Array): Promise<ImageMetadata> =>
      computeImageMetadata(await greyPng(grey, width, height), 'row.png');

    // Spikes of 4 in the top row, every third column: each response sees exactly one, so all are −4.
    const four = await run(greyPixels(width, height, (x, y) => (y === 0 && x % 3 === 0 ? 4 : 0)));
    expect(four['lightly.uniformRowRatio']).toBe(1);
    expect(four['lightly.sharpness']).toBe(0); // every response is the same −4/255
    // One spike of 5 in the top row: three responses of −5 → 97 % uniform, not more → no uniform row.
    const five = await run(greyPixels(width, height, (x, y) => (y === 0 && x === 50 ? 5 : 0)));
    expect(five['lightly.uniformRowRatio']).toBe(0);
    // A 1 in the middle row gives one response of 8 (its neighbours get −1): two such → 98 % → uniform.
    const two = await run(greyPixels(width, height, (x, y) => (y === 1 && (x === 20 || x === 60) ? 1 : 0)));
    expect(two['lightly.uniformRowRatio']).toBe(1);
    const three = await run(greyPixels(width, height, (x, y) => (y === 1 && [20, 60, 90].includes(x) ? 1 : 0)));
    expect(three['lightly.uniformRowRatio']).toBe(0);
  });

  it('a half-uniform image (≤ 400 px high): the ratio is exactly the share of uniform response rows', async () => {
    const width = 40;
    const height = 300;
    // Rows 0..149 constant, rows 150..299 a checkerboard. Response rows 1..148 see only constant rows.
    const grey = greyPixels(width, height, (x, y) => (y < 150 ? 90 : (x + y) % 2 === 0 ? 200 : 10));
    const m = await computeImageMetadata(await greyPng(grey, width, height), 'half.png');
    expect(m['lightly.uniformRowRatio']).toBe(148 / 298);
    expectMatches(m, await reference(grey, width, height));
  });

  it('a 400 px high image is measured at full resolution; a 401 px one resized', async () => {
    // A 1-px checkerboard survives at full resolution but averages out to flat grey when shrunk.
    const width = 30;
    const at400 = greyPixels(width, 400, (x, y) => ((x + y) % 2 === 0 ? 255 : 0));
    const m400 = await computeImageMetadata(await greyPng(at400, width, 400), 'h400.png');
    expect(m400['lightly.uniformRowRatio']).toBe(0);
    const at401 = greyPixels(width, 401, (x, y) => ((x + y) % 2 === 0 ? 255 : 0));
    const m401 = await computeImageMetadata(await greyPng(at401, width, 401), 'h401.png');
    expect(m401['lightly.height']).toBe(401);
    expectMatches(m401, await reference(at401, width, 401));
  });

  it('a tall image is resized to 400 px high before counting uniform rows', async () => {
    const width = 200;
    const height = 1600;
    // Top half: 16-px blocks (edges survive the 4× shrink). Bottom half: a 1-px checkerboard, which the
    // shrink averages to flat grey. At full resolution only the block rows' interiors would count.
    const grey = greyPixels(width, height, (x, y) =>
      y < 800 ? ((Math.floor(x / 16) + Math.floor(y / 16)) % 2 === 0 ? 220 : 30) : (x + y) % 2 === 0 ? 255 : 0,
    );
    const m = await computeImageMetadata(await greyPng(grey, width, height), 'tall.png');
    const expected = await reference(grey, width, height);
    expectMatches(m, expected);
    expect(m['lightly.width']).toBe(200);
    expect(m['lightly.height']).toBe(1600);
    // The flat bottom half makes about half the 398 rows uniform; unresized, no row would be.
    expect(uniformRowRatio(grey, width, height)).toBe(0);
    expect(m['lightly.uniformRowRatio']).toBeGreaterThan(190 / 398);
    expect(m['lightly.uniformRowRatio']).toBeLessThan(205 / 398);
  });

  it('random colour pixels match the reference (grey = PIL L of the pixels)', async () => {
    const width = 67;
    const height = 41;
    const rgb = randomBytes(width * height * 3, 7);
    const grey = greyPixels(width, height, (x, y) => {
      const i = (y * width + x) * 3;
      return pilLuma(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!);
    });
    const png = await colourPng(rgb, width, height, 3);
    const m = await computeImageMetadata(png, 'noise.png');
    expectMatches(m, { ...(await reference(grey, width, height)), 'lightly.sizeInBytes': png.length });
    expect(m['lightly.sharpness']).toBeGreaterThan(0.5 * 255);
  });

  it('reports width, height and size in bytes of PNG and JPEG files', async () => {
    const rgb = randomBytes(123 * 45 * 3, 3);
    const png = await colourPng(rgb, 123, 45, 3);
    const jpeg = await sharp(rgb, { raw: { width: 123, height: 45, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
    expect(png.length).not.toBe(jpeg.length);
    for (const [file, name] of [
      [png, 'x.png'],
      [jpeg, 'x.jpg'],
    ] as const) {
      const m = await computeImageMetadata(new Uint8Array(file), name);
      expect(m['lightly.width']).toBe(123);
      expect(m['lightly.height']).toBe(45);
      expect(m['lightly.sizeInBytes']).toBe(file.length);
    }
  });

  it('applies the EXIF orientation: a 6-oriented JPEG has width and height swapped and rotated content', async () => {
    // 48×32, white above black with the edge on the 8-px JPEG block grid (so quality 100 keeps it exact).
    const width = 48;
    const height = 32;
    const grey = greyPixels(width, height, (_x, y) => (y < 16 ? 255 : 0));
    const encode = (orientation?: number): Promise<Buffer> => {
      const image = sharp(grey, { raw: { width, height, channels: 1 } }).jpeg({ quality: 100 });
      return (orientation ? image.withMetadata({ orientation }) : image).toBuffer();
    };
    const upright = await computeImageMetadata(await encode(), 'upright.jpg');
    const rotated = await computeImageMetadata(await encode(6), 'rotated.jpg');
    expect([upright['lightly.width'], upright['lightly.height']]).toEqual([48, 32]);
    expect([rotated['lightly.width'], rotated['lightly.height']]).toEqual([32, 48]);
    // Upright: a horizontal edge spoils only the two response rows beside it. Rotated: the edge is vertical,
    // so every response row has 2 of 30 pixels non-uniform (93 %) and none is uniform.
    expect(upright['lightly.uniformRowRatio']).toBe(28 / 30);
    expect(rotated['lightly.uniformRowRatio']).toBe(0);
    expect(rotated['lightly.luminance']).toBeCloseTo(upright['lightly.luminance'], 12);
  });

  it('RGBA: alpha is discarded, the stored colour is measured', async () => {
    const width = 16;
    const height = 12;
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) rgba.set([100, 150, 200, i % 2 === 0 ? 0 : 255], i * 4);
    const m = await computeImageMetadata(await colourPng(rgba, width, height, 4), 'rgba.png');
    // Flattening onto a background would make the alternating alpha a checkerboard; discarding it leaves
    // a constant image of L(100, 150, 200) = round(140.75) = 141.
    expect(m['lightly.luminance']).toBe(141 / 255);
    expect(m['lightly.sharpness']).toBe(0);
    expect(m['lightly.contrast']).toBe(0);
    expect(m['lightly.uniformRowRatio']).toBe(1);
  });

  it('greyscale inputs: 8-bit, grey + alpha, and 16-bit (measured on its high byte)', async () => {
    const width = 33;
    const height = 21;
    const grey = randomBytes(width * height, 11);
    const expected = await reference(grey, width, height);

    const m8 = await computeImageMetadata(await greyPng(grey, width, height), 'grey8.png');
    expectMatches(m8, expected);

    const greyAlpha = new Uint8Array(width * height * 2);
    grey.forEach((v, i) => greyAlpha.set([v, (i * 37) % 256], i * 2));
    const pngGa = await sharp(greyAlpha, { raw: { width, height, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(pngGa).metadata()).channels).toBe(2);
    expectMatches(await computeImageMetadata(pngGa, 'grey-alpha.png'), expected);

    const wide = new Uint16Array(width * height);
    grey.forEach((v, i) => (wide[i] = v * 256 + ((i * 101) % 256))); // low byte is noise
    const png16 = await sharp(wide, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    expectMatches(await computeImageMetadata(png16, 'grey16.png'), expected);
  });

  it('an animated image is measured on its first frame', async () => {
    const width = 12;
    const frame = 10;
    // Frame 1 flat, frame 2 a checkerboard.
    const frames = greyPixels(width, 2 * frame, (x, y) => (y < frame ? 128 : (x + y) % 2 === 0 ? 255 : 0));
    const rgb = new Uint8Array(frames.length * 3);
    frames.forEach((v, i) => rgb.fill(v, i * 3, i * 3 + 3));
    const gif = await sharp(rgb, { raw: { width, height: 2 * frame, channels: 3, pageHeight: frame } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const m = await computeImageMetadata(gif, 'anim.gif');
    expect(m['lightly.height']).toBe(frame);
    expect(m['lightly.sharpness']).toBe(0);
    expect(m['lightly.luminance']).toBe(128 / 255);
  });

  it('images too small for a 3×3 window have sharpness and uniformRowRatio 0', async () => {
    const m = await computeImageMetadata(await greyPng(new Uint8Array([0, 255, 255, 0]), 2, 2), 'tiny.png');
    expect(m['lightly.width']).toBe(2);
    expect(m['lightly.sharpness']).toBe(0);
    expect(m['lightly.uniformRowRatio']).toBe(0);
    expect(m['lightly.contrast']).toBe(0.5);
  });

  it('a file that is not an image throws ImageDecodeError naming the file', async () => {
    const garbage = randomBytes(500, 1);
    const error = await computeImageMetadata(garbage, 'photos/broken.jpg').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).name).toBe('ImageDecodeError');
    expect((error as ImageDecodeError).fileName).toBe('photos/broken.jpg');
    expect((error as Error).message).toContain('photos/broken.jpg');
    await expect(computeImageMetadata(new Uint8Array(0), 'empty.png')).rejects.toThrow(ImageDecodeError);
  });

  it('a truncated JPEG throws ImageDecodeError', async () => {
    const jpeg = await sharp(randomBytes(64 * 64 * 3, 5), { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg()
      .toBuffer();
    await expect(computeImageMetadata(jpeg.subarray(0, jpeg.length >> 1), 'cut.jpg')).rejects.toThrow(
      /cannot decode image 'cut\.jpg'/,
    );
    // The whole file decodes.
    expect((await computeImageMetadata(jpeg, 'whole.jpg'))['lightly.width']).toBe(64);
  });
});
