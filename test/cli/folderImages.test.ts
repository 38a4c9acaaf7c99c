/** The offline CLI reads a folder's images/ as an upload's commit does: the `lightly.*` keys are computed from them. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLightlyFolder } from '../../functions/cli/folder.js';
import { IMAGE_METADATA_SCHEMA } from '../../functions/ingest/imageMetadata.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function folder(images: Record<string, { width: number; height: number }>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-folder-images-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'embeddings.csv'), 'filenames,embedding_0,embedding_1,labels\na.png,1,0,0\nb.png,0,1,0\n');
  mkdirSync(join(dir, 'images'));
  for (const [name, size] of Object.entries(images)) {
    const png = await sharp({ create: { ...size, channels: 3, background: { r: 40, g: 90, b: 200 } } }).png().toBuffer();
    writeFileSync(join(dir, 'images', name), png);
  }
  return dir;
}

describe('offline folder with images/', () => {
  it('has the lightly.* keys, from the images, NaN where a row has none', async () => {
    const loaded = await loadLightlyFolder(await folder({ 'a.png': { width: 12, height: 7 } }));
    expect(loaded.counts.metadataKeys).toBe(IMAGE_METADATA_SCHEMA.length);
    const width = loaded.source.metadata('lightly.width');
    expect(width).toEqual({ kind: 'numeric', values: Float64Array.from([12, NaN]) });
  });

  it('refuses an image that is not a sample, naming the file', async () => {
    await expect(loadLightlyFolder(await folder({ 'c.png': { width: 4, height: 4 } }))).rejects.toThrow(/images\/c\.png.*not a sample/);
  });
});
