/**
 * The layout of a matrix in WebAssembly memory, declared once: the main thread places blocks by it
 * (fast/matrices.ts) and every thread's ops read it (ops/). A matrix is split into blocks of consecutive
 * rows, each block one shared WebAssembly.Memory (at most 4 GiB) holding, in this order, the areas of
 * {@link blockAreas}; each thread has its own scratch area, which the ops lay out with
 * {@link kcenterScratch}, {@link fusedResult} and {@link neighbourScratch}.
 */
import type { WasmMemory } from '../wasm/api.js';

export const PAGE = 65536;
/** The most a WebAssembly memory can hold (32-bit addresses). */
export const MAX_MEMORY_BYTES = 65536 * PAGE;
/**
 * The most a block's memory holds: a page under 4 GiB. A shared memory of exactly 4 GiB cannot be sent
 * to a worker thread under Node 20 — its 2³²-byte SharedArrayBuffer fails to deserialise there ("Unable
 * to deserialize cloned data"), and the worker dies at its first op (found at 10M × 128, whose first
 * block filled a whole memory).
 */
export const MAX_BLOCK_BYTES = MAX_MEMORY_BYTES - PAGE;
/** Low memory left to AssemblyScript (it keeps nothing there with the stub runtime; a guard). */
export const RESERVED_BYTES = PAGE;
/** Active units per k-center call into WebAssembly: their distances stay in L1 until merged. */
export const CHUNK = 2048;
/** Directions of the k-center projection bound (the kernel holds them in four f32x4). */
export const BOUND_DIMS = 16;
/** Query rows per kNN tile: 128 rows of D = 128 (64 KiB) stay in L2 while every candidate streams past. */
export const TILE = 128;
/** Candidates per row kept by the float32 pass beyond those asked for, re-ranked exactly. */
export const MARGIN = 4;

export type Storage = 'float32';

export const align = (n: number, to: number): number => Math.ceil(n / to) * to;

/** What decides a block's areas. */
export interface BlockShape {
  readonly dim: number;
  readonly kind: Storage;
  readonly threads: number;
  readonly scratchPerThread: number;
  /** Whether the fused k-center update keeps each row's projection. */
  readonly prune: boolean;
  /** Whether the rows also have int8 codes, which the k-center scan reads first (wasm/simd.as, quantiseRows). */
  readonly codes: boolean;
}

/**
 * A block's areas in memory order, each as [bytes per row, fixed bytes]: the float32 rows, their int8
 * codes when kept, the k-center state (minimum distance, active and changed rows) and, when pruning,
 * each row's projection onto {@link BOUND_DIMS} principal directions.
 */
export function blockAreas({ dim, threads, scratchPerThread, prune, codes }: BlockShape) {
  return {
    data: [dim * 4, 0],
    /**
     * int8 codes (dim bytes a row) and four float32 terms per row for the codes' bounds: the squared norm,
     * the scale times the codes' sum, the norm of the rounding error and the scale (wasm/simd.as, quantiseRows).
     */
    codes: [codes ? dim : 0, 0],
    codeTerms: [codes ? 16 : 0, 0],
    /** Squared norms: the reference's (float64) and k-center's (float32, also the neighbour filter's keys). */
    norms64: [8, 0],
    norms32: [4, 0],
    /**
     * The k-center centre (float32), written before each update, its int16 codes, and its 7-bit codes (u8)
     * followed by the coarse test's float32 weights and −2·t₁ in four lanes (wasm/simd.as, coarseBound).
     */
    center: [0, dim * 8],
    centerCodes: [0, codes ? align(dim * 2, 16) : 0],
    coarseCenterCodes: [0, codes ? align(dim, 16) + 32 : 0],
    scratch: [0, threads * scratchPerThread],
    /** k-center state beside the rows: minimum distances (f64), active and changed rows (i32). */
    minDist: [8, 0],
    active: [4, 0],
    changed: [4, 0],
    /** The projection bound: 16 floats per row, the basis (16 × dim), the centre's projection. */
    proj: [prune ? BOUND_DIMS * 4 : 0, 0],
    basis: [0, prune ? BOUND_DIMS * dim * 4 : 0],
    // Even when not pruning: the fused update reads it before it knows.
    projCenter: [0, BOUND_DIMS * 4],
  } satisfies Record<string, readonly [number, number]>;
}

export type AreaName = keyof ReturnType<typeof blockAreas>;

/** One block of a matrix as every thread sees it: its memory, its rows, and the byte offset of each area. */
export type BlockDescription = {
  readonly memory: WasmMemory;
  readonly rowStart: number;
  readonly rows: number;
} & { readonly [area in AreaName]: number };

export interface ContextDescription {
  readonly id: number;
  readonly kind: Storage;
  readonly dim: number;
  readonly rows: number;
  readonly rowsPerBlock: number;
  readonly chunk: number;
  readonly scratchPerThread: number;
  /** Whether the blocks hold int8 codes of the rows for the k-center scan. */
  readonly codes: boolean;
  readonly blocks: readonly BlockDescription[];
}

/** Byte offsets of each area for a block of `rows` rows, and the block's end; every area 64-byte aligned. */
export function placeBlock(shape: BlockShape, rows: number): { at: { [area in AreaName]: number }; end: number } {
  let offset = RESERVED_BYTES;
  const at = {} as { [area in AreaName]: number };
  for (const [name, [perRow, fixed]] of Object.entries(blockAreas(shape)) as [AreaName, readonly [number, number]][]) {
    at[name] = offset;
    offset = align(offset + perRow * rows + fixed, 64);
  }
  return { at, end: offset };
}

/** A block's bytes as [fixed, per row], counting up to 64 bytes of alignment padding per area. */
function blockBytesPerRow(shape: BlockShape): readonly [number, number] {
  const areas = Object.values(blockAreas(shape));
  // Every area starts 64-byte aligned: up to 64 bytes of padding each.
  const fixed = RESERVED_BYTES + areas.reduce((sum, [, bytes]) => sum + bytes + 64, 0);
  const perRow = areas.reduce((sum, [bytes]) => sum + bytes, 0);
  return [fixed, perRow];
}

/** Rows a block holds within `blockBytes` (at least one). */
export function rowsPerBlock(shape: BlockShape, blockBytes: number): number {
  const [fixed, perRow] = blockBytesPerRow(shape);
  return Math.max(1, Math.floor((blockBytes - fixed) / perRow));
}

/** The fewest block bytes that hold `rows` rows: {@link rowsPerBlock}'s inverse (e.g. to split a matrix into blocks of a given size). */
export function blockBytesFor(shape: BlockShape, rows: number): number {
  const [fixed, perRow] = blockBytesPerRow(shape);
  return fixed + perRow * rows;
}

/**
 * A thread's scratch: room for a k-center chunk ({@link kcenterScratch}: 12 bytes a row) and for about a
 * neighbour tile of {@link TILE} rows at K = 16 (a larger K gets a smaller tile: {@link tileRowsFitting}).
 */
export function scratchPerThread(dim: number): number {
  return align(Math.max(CHUNK * 12, TILE * (dim * 4 + 4 + (16 + MARGIN) * 8)), 64);
}

/** k-center's scratch (non-fused): the chunk's row numbers (i32), then their distances (f64). */
export function kcenterScratch(scratch: number, chunk: number): { rows: number; distances: number } {
  return { rows: scratch, distances: scratch + chunk * 4 };
}

/** Where the fused k-center update leaves a unit's result in the scratch: max (f64), then argMax, changed, skipped and (coded update) computed in float32 (i32). */
export function fusedResult(scratch: number): { max: number; argMax: number; changedCount: number; skipped: number; computed: number } {
  return { max: scratch, argMax: scratch + 8, changedCount: scratch + 12, skipped: scratch + 16, computed: scratch + 20 };
}

/**
 * A neighbour tile's scratch for `tile` query rows keeping `m` candidates: per row m keys (f32) then m
 * ids (i32) — the candidate lists, as knnTile reads them — then each row's ceiling (f32), the query rows
 * (f32), and room for the re-rank's m dot products (f64).
 */
export function neighbourScratch(scratch: number, tile: number, m: number, dim: number): { lists: number; ceil: number; queries: number; dots: number; end: number } {
  const lists = scratch;
  const ceil = lists + tile * m * 8;
  const queries = ceil + tile * 4;
  const dots = align(queries + tile * dim * 4, 8);
  return { lists, ceil, queries, dots, end: dots + m * 8 };
}

/** The most query rows of a neighbour tile keeping `m` candidates that fit a thread's scratch (0: none). */
export function tileRowsFitting(scratchBytes: number, dim: number, m: number): number {
  // neighbourScratch's end is at most tile · (m·8 + 4 + dim·4) + 4 (alignment) + m·8; 8 kept for the alignment.
  return Math.max(0, Math.floor((scratchBytes - m * 8 - 8) / (dim * 4 + 4 + m * 8)));
}

/**
 * Symmetric kNN's candidate lists of one thread, for `rows` rows keeping `m`: per row m keys then m ids,
 * then every row's ceiling — the layout knnTile reads.
 */
export function symmetricArea(area: number, rows: number, m: number): { lists: number; ceil: number; bytes: number } {
  return { lists: area, ceil: area + rows * m * 8, bytes: align(rows * (m * 8 + 4), 64) };
}
