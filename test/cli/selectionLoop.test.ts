/** `winnow select --input DIR` offline: sequences, the exact-duplicate filter and corrupt images. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embeddingsCsv } from '../../infra/local/lightlyFolder.js';
import { runCli } from './support.js';

function folder(names: string[], rows: number[][], config: unknown): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-loop-'));
  writeFileSync(join(dir, 'embeddings.csv'), embeddingsCsv(names, Float32Array.from(rows.flat()), rows[0]!.length, []));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return { dir, config: file };
}

const diversity = { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } };

describe('winnow select offline', () => {
  it('selects whole sequences and lists them in the explanation', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `drive/cam_1-${String(i).padStart(4, '0')}-mp4.png`);
    const rows = Array.from({ length: 12 }, (_, i) => [Math.cos(i * 0.1), Math.sin(i * 0.1)]);
    const { dir, config } = folder(names, rows, { n_samples: 10, selected_sequence_length: 5, strategies: [diversity] });
    const explain = join(dir, 'explain.json');
    const run = await runCli(['select', '--config', config, '--input', dir, '--explain', explain]);
    expect(run.code).toBe(0);
    expect([...run.lines].sort()).toEqual(names.slice(0, 10));
    const summary = JSON.parse(readFileSync(explain, 'utf8')).summary;
    expect(summary.sequences.picked.map((s: { firstFrame: number; lastFrame: number }) => [s.firstFrame, s.lastFrame]).sort()).toEqual([
      [0, 4],
      [5, 9],
    ]);
    expect(summary.sequences.incompleteTailFrames).toBe(2);
    expect(run.stderr).toMatch(/dropped 2: incomplete sequence/);
  });

  it('refuses n_samples that is not a multiple of the sequence length', async () => {
    const { dir, config } = folder(['v-0-mp4.png'], [[1, 0]], { n_samples: 7, selected_sequence_length: 5, strategies: [diversity] });
    const run = await runCli(['select', '--config', config, '--input', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\$\.n_samples: n_samples 7 is not a multiple of selected_sequence_length 5/);
  });

  it('removes exact duplicates by default and names what each duplicates', async () => {
    const { dir, config } = folder(['a.png', 'b.png', 'a-copy.png'], [[1, 0], [0, 1], [1, 0]], { n_samples: 3, strategies: [diversity] });
    const explain = join(dir, 'explain.json');
    const run = await runCli(['select', '--config', config, '--input', dir, '--explain', explain]);
    expect(run.code).toBe(0);
    expect([...run.lines].sort()).toEqual(['a.png', 'b.png']);
    expect(JSON.parse(readFileSync(explain, 'utf8')).summary.duplicates.listed).toEqual([{ row: 2, duplicateOf: 0, fileName: 'a-copy.png', duplicateOfFileName: 'a.png' }]);
  });
});

/** Writes DIR/images/<name> for each entry. */
function images(dir: string, files: Record<string, Uint8Array>): void {
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, 'images', name, '..'), { recursive: true });
    writeFileSync(join(dir, 'images', name), bytes);
  }
}
const jpeg = () => sharp({ create: { width: 32, height: 32, channels: 3, background: '#336699' } }).jpeg().toBuffer();

describe('winnow select offline with images/', () => {
  it('marks an image that cannot be decoded corrupt: never selected, listed on stderr and in the explanation', async () => {
    const good = await jpeg();
    const names = ['ok.jpg', 'cut.jpg', 'empty.jpg', 'twin.jpg', 'other.jpg'];
    const rows = [[1, 0], [0, 1], [-1, 0], [1, 0], [0, -1]];
    const { dir, config } = folder(names, rows, { n_samples: 5, strategies: [diversity] });
    images(dir, { 'ok.jpg': good, 'cut.jpg': good.subarray(0, good.length >> 1), 'empty.jpg': new Uint8Array(0), 'twin.jpg': good, 'other.jpg': good });
    const explain = join(dir, 'explain.json');
    const run = await runCli(['select', '--config', config, '--input', dir, '--explain', explain]);
    expect(run.code, run.stderr).toBe(0);
    expect([...run.lines].sort()).toEqual(['ok.jpg', 'other.jpg']);
    expect(run.stderr).toMatch(/corrupt \(never selected\): cut\.jpg: (truncated image|cannot be decoded)/);
    expect(run.stderr).toMatch(/corrupt \(never selected\): empty\.jpg: empty file \(0 bytes\)/);
    const explanation = JSON.parse(readFileSync(explain, 'utf8'));
    expect(explanation.corruptSamples).toEqual([
      { fileName: 'cut.jpg', reason: expect.stringMatching(/^(truncated image|cannot be decoded)/) },
      { fileName: 'empty.jpg', reason: 'empty file (0 bytes)' },
    ]);
    // Counted per reason, after the thresholds and before the duplicates (twin.jpg is a copy of ok.jpg).
    const dropped: { reason: string; count: number }[] = explanation.summary.dropped;
    expect(dropped.map((d) => d.reason)).toEqual([expect.stringMatching(/^corrupt image: /), 'corrupt image: empty file (0 bytes)', expect.stringMatching(/exact duplicate/)]);
    expect(explanation.summary.duplicates.listed).toEqual([{ row: 3, duplicateOf: 0, fileName: 'twin.jpg', duplicateOfFileName: 'ok.jpg' }]);
  });

  it('leaves out a sequence with a corrupt frame', async () => {
    const good = await jpeg();
    const names = Array.from({ length: 10 }, (_, i) => `drive/cam-${String(i).padStart(4, '0')}-mp4.png`);
    const rows = names.map((_, i) => [Math.cos(i * 0.3), Math.sin(i * 0.3)]);
    const { dir, config } = folder(names, rows, { n_samples: 10, selected_sequence_length: 5, strategies: [diversity] });
    images(dir, { [names[2]!]: good, [names[7]!]: good.subarray(0, 40) });
    const explain = join(dir, 'explain.json');
    const run = await runCli(['select', '--config', config, '--input', dir, '--explain', explain]);
    expect(run.code, run.stderr).toBe(0);
    expect([...run.lines].sort()).toEqual(names.slice(0, 5));
    expect(run.stderr).toMatch(/dropped 5: corrupt image in the sequence/);
    expect(run.stderr).toContain(`corrupt (never selected): ${names[7]}`);
    expect(JSON.parse(readFileSync(explain, 'utf8')).corruptSamples.map((c: { fileName: string }) => c.fileName)).toEqual([names[7]]);
  });
});

describe('demo/weekly-video-clips.jsonc', () => {
  it('runs offline on a folder of frames', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `drive/cam_${i % 2}-${String(i >> 1).padStart(4, '0')}-mp4.png`);
    const rows = names.map((_, i) => [Math.cos(i * 0.37), Math.sin(i * 0.37), Math.cos(i * 0.11)]);
    const dir = mkdtempSync(join(tmpdir(), 'winnow-loop-'));
    writeFileSync(join(dir, 'embeddings.csv'), embeddingsCsv(names, Float32Array.from(rows.flat()), 3, []));
    mkdirSync(join(dir, '.lightly', 'metadata'), { recursive: true });
    writeFileSync(join(dir, '.lightly', 'metadata', 'schema.json'), JSON.stringify([{ name: 'lightly.luminance', path: 'lightly.luminance', defaultValue: 0.5, valueDataType: 'NUMERIC_FLOAT' }]));
    writeFileSync(join(dir, '.lightly', 'metadata', 'metadata.jsonl'), names.map((n) => JSON.stringify({ file_name: n, type: 'image', metadata: { lightly: { luminance: 0.5 } } })).join('\n') + '\n');
    const run = await runCli(['select', '--config', 'demo/weekly-video-clips.jsonc', '--input', dir]);
    expect(run.stderr, run.stderr).not.toMatch(/error/i);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.length % 5).toBe(0);
    expect(run.lines.length).toBeGreaterThan(0);
  });
});
