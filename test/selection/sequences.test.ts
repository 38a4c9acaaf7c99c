/** Sequence selection: frames grouped by video, cut into chunks of L, picked whole (sequences.ts). */
import { describe, expect, it } from 'vitest';
import { selectionConfig } from '../../functions/selection/config.js';
import { SelectionConfigError, SelectionInputError } from '../../functions/selection/errors.js';
import { createMemorySource } from '../../functions/selection/memorySource.js';
import { parseFrameName } from '../../functions/selection/sequences.js';
import { runSelection } from '../../functions/selection/select.js';

const diversity = { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } };
const frame = (video: string, index: number, width = 4) => `${video}-${String(index).padStart(width, '0')}-mp4.png`;

/**
 * Frame i of a video at angle i·step on the unit circle: embeddings that move steadily with the frame
 * index, as [i, i] does before normalization (normalized, [i, i] is one direction for every i > 0).
 */
function arc(count: number, step = Math.PI / 28): Float32Array {
  const data = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    data[2 * i] = Math.cos(i * step);
    data[2 * i + 1] = Math.sin(i * step);
  }
  return data;
}

describe('sequence selection', () => {
  it('15 frames moving steadily, L = 5, n = 10, DIVERSITY: frames 0–4 and 10–14', () => {
    const fileNames = Array.from({ length: 15 }, (_, i) => frame('drive/cam_1', i));
    const source = createMemorySource({ fileNames, embeddings: { dim: 2, data: arc(15) } });
    const result = runSelection(selectionConfig({ n_samples: 10, selected_sequence_length: 5, strategies: [diversity] }), source);
    expect([...result.rows].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 10, 11, 12, 13, 14]);
    expect(result.summary.selected).toBe(10);
    expect(result.summary.sequences!.picked.map((s) => [s.video, s.firstFrame, s.lastFrame])).toEqual([
      ['drive/cam_1.mp4', 0, 4],
      ['drive/cam_1.mp4', 10, 14],
    ]);
    expect(result.summary.sequences!.picked[1]!.fileNames).toEqual(fileNames.slice(10, 15));
  });

  it('refuses n_samples that is not a multiple of L, naming both numbers', () => {
    let error: unknown;
    try {
      selectionConfig({ n_samples: 7, selected_sequence_length: 5, strategies: [diversity] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SelectionConfigError);
    const issue = (error as SelectionConfigError).issues[0]!;
    expect(issue.path).toBe('n_samples');
    expect(issue.message).toMatch(/n_samples 7 .*multiple of selected_sequence_length 5/);
  });

  it('drops the incomplete tail of a 12-frame video: sequences 0–4 and 5–9', () => {
    const fileNames = Array.from({ length: 12 }, (_, i) => frame('v', i));
    const source = createMemorySource({ fileNames, embeddings: { dim: 2, data: arc(12) } });
    const result = runSelection(selectionConfig({ n_samples: 15, selected_sequence_length: 5, strategies: [diversity] }), source);
    expect(result.summary.sequences!.picked.map((s) => [s.firstFrame, s.lastFrame]).sort()).toEqual([
      [0, 4],
      [5, 9],
    ]);
    expect(result.rows).toHaveLength(10);
    expect(result.summary.sequences!.incompleteTailFrames).toBe(2);
    expect(result.summary.dropped).toContainEqual({ reason: expect.stringMatching(/incomplete sequence/), count: 2 });
    expect(result.summary.stopReason).toBe('POOL_EXHAUSTED');
  });

  it('two 7-frame videos give two sequences, none crossing a video', () => {
    // Interleaved upload order: grouping is by the name, not by the row.
    const fileNames = Array.from({ length: 14 }, (_, i) => frame(i % 2 === 0 ? 'a/x' : 'b/x', Math.floor(i / 2), 2));
    const source = createMemorySource({ fileNames, embeddings: { dim: 2, data: arc(14, 0.1) } });
    const result = runSelection(selectionConfig({ n_samples: 10, selected_sequence_length: 5, strategies: [diversity] }), source);
    const picked = result.summary.sequences!.picked;
    expect(picked).toHaveLength(2);
    expect(picked.map((s) => s.video).sort()).toEqual(['a/x.mp4', 'b/x.mp4']);
    for (const s of picked) {
      expect([s.firstFrame, s.lastFrame]).toEqual([0, 4]);
      expect(s.fileNames.every((name) => name.startsWith(s.video.slice(0, 3)))).toBe(true);
    }
    expect(result.summary.sequences!.incompleteTailFrames).toBe(4);
  });

  it('orders frames by their numeric index, not by name', () => {
    // Unpadded indices: by name, 10 and 11 would sort before 2.
    const fileNames = Array.from({ length: 12 }, (_, i) => `v-${i}-mp4.png`).reverse();
    const source = createMemorySource({ fileNames, embeddings: { dim: 2, data: arc(12) } });
    const result = runSelection(selectionConfig({ n_samples: 12, selected_sequence_length: 6, strategies: [diversity] }), source);
    const picked = [...result.summary.sequences!.picked].sort((a, b) => a.firstFrame - b.firstFrame);
    expect(picked.map((s) => s.fileNames)).toEqual([
      ['v-0-mp4.png', 'v-1-mp4.png', 'v-2-mp4.png', 'v-3-mp4.png', 'v-4-mp4.png', 'v-5-mp4.png'],
      ['v-6-mp4.png', 'v-7-mp4.png', 'v-8-mp4.png', 'v-9-mp4.png', 'v-10-mp4.png', 'v-11-mp4.png'],
    ]);
  });

  it('refuses a dataset whose names are not frame names, with an example', () => {
    const source = createMemorySource({ fileNames: ['v-0000-mp4.png', 'cat.jpg'], embeddings: { dim: 2, data: arc(2) } });
    expect(() => runSelection(selectionConfig({ n_samples: 2, selected_sequence_length: 2, strategies: [diversity] }), source)).toThrow(SelectionInputError);
    expect(() => runSelection(selectionConfig({ n_samples: 2, selected_sequence_length: 2, strategies: [diversity] }), source)).toThrow(
      /e\.g\. drive\/cam_1-0099-mp4\.png.*'cat\.jpg' \(row 1\) is not/,
    );
  });

  it('THRESHOLD keeps a sequence only if every frame passes; WEIGHTS reads the mean', () => {
    const fileNames = Array.from({ length: 9 }, (_, i) => frame('v', i));
    // Sequences (L = 3): [0–2] mean 5 but frame 1 fails > 1; [3–5] mean 2; [6–8] mean 3.
    const values = [7, 1, 7, 2, 2, 2, 3, 3, 3];
    const source = createMemorySource({
      fileNames,
      embeddings: { dim: 2, data: arc(9) },
      metadata: { types: new Map([['m', 'NUMERIC_FLOAT']]), columns: new Map([['m', { kind: 'numeric', values: Float64Array.from(values) }]]) } as never,
    });
    const result = runSelection(
      selectionConfig({
        n_samples: 3,
        selected_sequence_length: 3,
        strategies: [
          { input: { type: 'METADATA', key: 'm' }, strategy: { type: 'THRESHOLD', threshold: 1, operation: 'BIGGER' } },
          { input: { type: 'METADATA', key: 'm' }, strategy: { type: 'WEIGHTS' } },
        ],
      }),
      source,
    );
    expect(result.rows).toEqual([6, 7, 8]);
    expect(result.summary.dropped).toContainEqual({ reason: expect.stringMatching(/THRESHOLD.*every frame/), count: 3 });
  });

  it('proportion_samples rounds down to whole sequences', () => {
    const fileNames = Array.from({ length: 20 }, (_, i) => frame('v', i));
    const source = createMemorySource({ fileNames, embeddings: { dim: 2, data: arc(20, 0.05) } });
    // 4 sequences of 5; 0.6 × 20 frames = 12 → 10 frames (2 sequences).
    const result = runSelection(selectionConfig({ proportion_samples: 0.6, selected_sequence_length: 5, strategies: [diversity] }), source);
    expect(result.rows).toHaveLength(10);
    expect(result.summary.requested).toBe(10);
  });

  it('preselected frames form their own sequences and count as picked', () => {
    const fileNames = Array.from({ length: 15 }, (_, i) => frame('v', i));
    const source = createMemorySource({ fileNames, embeddings: { dim: 2, data: arc(15) } });
    // Frames 12–14 are preselected: the candidates are 0–4, 5–9 (10, 11 are a tail), and 12–14 is one sequence.
    const result = runSelection(selectionConfig({ n_samples: 10, selected_sequence_length: 5, strategies: [diversity] }), source, { preselectedRows: [12, 13, 14] });
    expect(result.summary.preselected).toBe(3);
    expect(result.summary.sequences!.picked.map((s) => s.firstFrame)).toEqual([0]);
    expect(result.summary.sequences!.incompleteTailFrames).toBe(2);
  });

  it('parses Lightly frame names', () => {
    expect(parseFrameName('subdir/video_1-099-mp4.png')).toEqual({ video: 'subdir/video_1.mp4', index: 99 });
    expect(parseFrameName('a-b-0001-avi.png')).toEqual({ video: 'a-b.avi', index: 1 });
    expect(parseFrameName('image.png')).toBeUndefined();
  });
});
