/**
 * Pre-selection filters that do not come from a strategy: exact duplicates and corrupt samples. They run
 * after thresholds and before the greedy; each removal is counted per reason in the summary.
 *
 * Exact duplicates (`remove_exact_duplicates`, default true, as the LightlyOne worker): samples whose
 * embedding rows are bit-identical. Of each group the first in upload order (lowest row) among the
 * samples in play — candidates and preselected samples — is kept; every other one is removed and names
 * the sample it duplicates. A candidate identical to a preselected (or pool) sample is therefore removed:
 * it would add nothing. Identity is decided on the rows as uploaded (raw); two rows that only normalize
 * to the same direction (`[1, 1]` and `[2, 2]`) are not duplicates.
 */
import type { EmbeddingMatrix } from './types.js';

/** 53-bit FNV-1a style hash of a row's 32-bit words (collisions are resolved by comparing the words). */
export function rowHash(words: Uint32Array, start: number, length: number): number {
  let lo = 0x811c9dc5;
  let hi = 0x01000193;
  for (let i = start; i < start + length; i++) {
    const w = words[i]!;
    lo = Math.imul(lo ^ w, 16777619) >>> 0;
    hi = Math.imul(hi ^ (w >>> 16) ^ (w << 3), 2246822519) >>> 0;
  }
  return (hi & 0x1fffff) * 0x100000000 + lo;
}

function sameWords(a: Uint32Array, aStart: number, b: Uint32Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/**
 * For every row, the first row (lowest index) whose embedding is bit-identical to it — itself when it
 * has no earlier twin. A dataset-level fact: which copies are removed also depends on what is in play
 * ({@link duplicatesInPlay}). A matrix in blocks is read block by block, in place.
 */
export function canonicalRows(matrix: EmbeddingMatrix): Int32Array {
  const { rows, dim } = matrix;
  const views = matrix.blocks?.views ?? [matrix.data.subarray(0, rows * dim)];
  const perBlock = matrix.blocks?.rowsPerBlock ?? Math.max(1, rows);
  const words = views.map((view) => new Uint32Array(view.buffer, view.byteOffset, view.length));
  const canonical = new Int32Array(rows);
  // An open hash table in typed arrays (8–16 bytes a row; a Map of arrays took ~100 at 1M rows): each slot
  // heads a chain of the distinct rows hashed there, linked through `next`. At most one row a slot on
  // average: chains stay short, and 10M rows take 67 MB of slots, not 134.
  const slots = 2 ** Math.ceil(Math.log2(Math.max(2, rows)));
  const heads = new Int32Array(slots).fill(-1);
  const next = new Int32Array(rows).fill(-1);
  for (let r = 0; r < rows; r++) {
    const block = Math.floor(r / perBlock);
    const rowWords = words[block]!;
    const at = (r - block * perBlock) * dim;
    const slot = rowHash(rowWords, at, dim) % slots;
    let twin = heads[slot]!;
    while (twin >= 0) {
      const twinBlock = Math.floor(twin / perBlock);
      if (sameWords(words[twinBlock]!, (twin - twinBlock * perBlock) * dim, rowWords, at, dim)) break;
      twin = next[twin]!;
    }
    if (twin >= 0) canonical[r] = twin;
    else {
      canonical[r] = r;
      next[r] = heads[slot]!;
      heads[slot] = r;
    }
  }
  return canonical;
}

/**
 * Canonical ids of groups of rows that are identical member by member (sequences: frames in order):
 * `members(g)` lists group g's rows, `canonical` is the rows' own canonical ids.
 */
export function canonicalGroups(groupCount: number, members: (group: number) => readonly number[], canonical: Int32Array): Int32Array {
  const out = new Int32Array(groupCount);
  const first = new Map<string, number>();
  for (let g = 0; g < groupCount; g++) {
    const key = members(g)
      .map((row) => canonical[row]!)
      .join(',');
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, g);
      out[g] = g;
    } else out[g] = earlier;
  }
  return out;
}

export interface DuplicateRow {
  /** The removed sample (row). */
  readonly row: number;
  /** The sample it duplicates: the first identical one in play. */
  readonly duplicateOf: number;
}

/**
 * The candidates to remove as duplicates. Preselected rows are never removed (they are picked already)
 * and come first: a candidate identical to one of them duplicates it. Then, walking the candidates in
 * upload order, a candidate whose canonical id was already seen duplicates the row seen first.
 */
export function duplicatesInPlay(canonical: Int32Array, candidate: Uint8Array, preselected: ReadonlySet<number>): DuplicateRow[] {
  // The row kept for each canonical id (a row number, so an array by id): a Map of every candidate took
  // some 670 MB at 10M rows, for a moment, where this takes 40.
  const keptFor = new Int32Array(canonical.length).fill(-1);
  for (const row of [...preselected].sort((a, b) => a - b)) if (keptFor[canonical[row]!]! < 0) keptFor[canonical[row]!] = row;
  const out: DuplicateRow[] = [];
  for (let row = 0; row < canonical.length; row++) {
    if (candidate[row] !== 1 || preselected.has(row)) continue;
    const id = canonical[row]!;
    const kept = keptFor[id]!;
    if (kept < 0) keptFor[id] = row;
    else out.push({ row, duplicateOf: kept });
  }
  return out;
}
