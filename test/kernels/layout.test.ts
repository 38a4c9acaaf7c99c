/** The one declaration of the kernels' memory layout (ops/layout.ts), as both threads' code relies on it. */
import { describe, expect, it } from 'vitest';
import { blockAreas, neighbourScratch, placeBlock, rowsPerBlock, scratchPerThread, tileRowsFitting, TILE, MARGIN, type BlockShape } from '../../functions/kernels/ops/layout.js';

const shapes: BlockShape[] = [
  { dim: 128, kind: 'float32', threads: 2, scratchPerThread: scratchPerThread(128), prune: true, codes: false },
  { dim: 3, kind: 'float32', threads: 1, scratchPerThread: scratchPerThread(3), prune: false, codes: false },
  { dim: 130, kind: 'float32', threads: 4, scratchPerThread: scratchPerThread(130), prune: true, codes: true },
];

describe.each(shapes)('a block of $kind rows of $dim columns (int8 codes: $codes), $threads threads', (shape) => {
  it('places every area 64-byte aligned, in declaration order, each sized for its rows', () => {
    const rows = 1001;
    const { at, end } = placeBlock(shape, rows);
    const areas = Object.entries(blockAreas(shape));
    let previousEnd = 0;
    for (const [name, [perRow, fixed]] of areas) {
      const start = at[name as keyof typeof at];
      expect(start % 64, name).toBe(0);
      expect(start, name).toBeGreaterThanOrEqual(previousEnd);
      previousEnd = start + perRow * rows + fixed;
    }
    expect(end).toBeGreaterThanOrEqual(previousEnd);
  });

  it('holds as many rows as fit the memory it is given, and no more', () => {
    const blockBytes = 64 * 1024 * 1024;
    const rows = rowsPerBlock(shape, blockBytes);
    expect(placeBlock(shape, rows).end).toBeLessThanOrEqual(blockBytes);
    // The estimate keeps room for each area's alignment, so it may leave a few rows unused, never hundreds.
    expect(placeBlock(shape, rows + 1000).end).toBeGreaterThan(blockBytes);
  });
});

describe('a thread scratch', () => {
  it.each([2, 64, 128, 768])('fits the largest neighbour tile it is said to, at %i columns', (dim) => {
    const scratch = scratchPerThread(dim);
    for (const m of [1 + MARGIN, 16 + MARGIN, 100, 1000]) {
      const tile = tileRowsFitting(scratch, dim, m);
      if (tile > 0) expect(neighbourScratch(0, tile, m, dim).end).toBeLessThanOrEqual(scratch);
      expect(neighbourScratch(0, tile + 2, m, dim).end).toBeGreaterThan(scratch);
    }
  });

  it('holds a full tile of rows at K = 16 at every dimension the layout was sized for', () => {
    for (const dim of [8, 32, 128, 512]) expect(tileRowsFitting(scratchPerThread(dim), dim, 16 + MARGIN)).toBeGreaterThanOrEqual(TILE - 1);
  });
});
