/**
 * Sequence selection (`selected_sequence_length: L`, as the LightlyOne worker): pick clips of L
 * consecutive video frames instead of single frames.
 *
 * - Frames are Lightly's frame files, `<video path without extension>-<frame index>-<extension>.png`
 *   (`drive/cam_1-0099-mp4.png` is frame 99 of `drive/cam_1.mp4`). A dataset with a file name that does
 *   not parse is refused, naming it and an example.
 * - Each video's frames are ordered by their numeric index and cut into consecutive, non-overlapping
 *   chunks of L. A chunk never crosses videos, nor a gap in the indices (a missing frame ends a run); a
 *   run's trailing incomplete chunk is dropped and its frames counted (`incompleteTailFrames`).
 * - Preselected frames (a preselected tag, the datapool) are chunked on their own, apart from the
 *   candidates, so a clip picked earlier stays one clip; their incomplete tail is kept (it is context,
 *   not a pick). Frames outside the candidates (input tag, datapool's old samples) are in no sequence.
 * - A sequence's embedding is the mean of its frames' normalized embeddings (not normalized again, so a
 *   clip whose frames disagree sits nearer the centre); WEIGHTS, SCORES, METADATA and CATEGORY_COUNT read
 *   the mean over its frames; BALANCE sums its frames' class vectors; THRESHOLD keeps a sequence only if
 *   every frame passes; a sequence with a corrupt frame is never a candidate; a sequence lacking a value
 *   in any frame is dropped like a sample lacking it. Exact duplicates are sequences whose frames are
 *   bit-identical frame by frame.
 * - `n_samples` counts frames and must be a multiple of L (config.ts); `proportion_samples` applies to
 *   the candidate frames and rounds down to a multiple of L (at least one sequence).
 * - The selection then runs unchanged over sequences; a pick selects all of its frames. The counts of the
 *   summary are frames; a sequence removed by a filter counts its L frames.
 */
import type { SelectionConfig } from './config.js';
import { SelectionInputError } from './errors.js';
import { canonicalGroups, canonicalRows } from './filters.js';
import { describeInput, numericColumn } from './inputs.js';
import { strategyDefinition } from './strategies/registry.js';
import { prepareSelection } from './prepare.js';
import type { DroppedRows, PreparedSelection, SelectionOptions } from './select.js';
import { embeddingRow } from './matrix.js';
import type { ClassCounts, EmbeddingMatrix, MetadataColumn, QuerySet, SelectionSource } from './types.js';

export const FRAME_NAME_EXAMPLE = 'drive/cam_1-0099-mp4.png';
const FRAME_NAME = /^(.+)-(\d+)-([^-/.]+)\.png$/;

export interface FrameName {
  /** The video's path: the frame's path without the index, with the extension restored (`drive/cam_1.mp4`). */
  readonly video: string;
  readonly index: number;
}

/** Parses a Lightly frame file name; undefined when it is not one. */
export function parseFrameName(fileName: string): FrameName | undefined {
  const match = FRAME_NAME.exec(fileName);
  if (!match) return undefined;
  return { video: `${match[1]!}.${match[3]!}`, index: Number(match[2]!) };
}

/** A picked sequence as the run's JSON and report list it. */
export interface PickedSequence {
  readonly video: string;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly fileNames: readonly string[];
}

/** How a sequence selection's rows (sequences) map to the dataset's frames. */
export interface SequencePlan {
  readonly length: number;
  readonly sequenceCount: number;
  /** Candidate sequences after the frame-level filters. */
  readonly candidateCount: number;
  readonly incompleteTailFrames: number;
  readonly preselectedFrames: number;
  /** Removals decided on frames (corrupt, thresholds), counted in frames. */
  readonly dropped: readonly DroppedRows[];
  /** The frames (rows) of a sequence, in frame order. */
  frames(sequence: number): readonly number[];
  describe(sequence: number): PickedSequence;
  /** The dataset seen as sequences, as the selection read it (the report draws from it). */
  readonly source: SelectionSource;
}

interface Chunk {
  readonly frames: number[];
  readonly preselected: boolean;
}

function rowSet(rows: ArrayLike<number> | undefined, rowCount: number): Set<number> {
  const out = new Set<number>();
  if (!rows) return out;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (Number.isInteger(row) && row >= 0 && row < rowCount) out.add(row);
  }
  return out;
}

/** Cuts a group's frames into chunks: per video, by index, runs of consecutive indices, L at a time. */
function chunkFrames(rows: readonly number[], names: readonly FrameName[], length: number, keepTail: boolean): { chunks: number[][]; tailFrames: number } {
  const byVideo = new Map<string, number[]>();
  for (const row of rows) {
    const video = names[row]!.video;
    const list = byVideo.get(video);
    if (list) list.push(row);
    else byVideo.set(video, [row]);
  }
  const chunks: number[][] = [];
  let tailFrames = 0;
  for (const frames of byVideo.values()) {
    frames.sort((a, b) => names[a]!.index - names[b]!.index || a - b);
    let run: number[] = [];
    const flush = () => {
      for (let i = 0; i + length <= run.length; i += length) chunks.push(run.slice(i, i + length));
      const tail = run.length % length;
      if (tail > 0) {
        if (keepTail) chunks.push(run.slice(run.length - tail));
        else tailFrames += tail;
      }
      run = [];
    };
    for (const row of frames) {
      if (run.length > 0 && names[row]!.index !== names[run[run.length - 1]!]!.index + 1) flush();
      run.push(row);
    }
    flush();
  }
  return { chunks, tailFrames };
}

function meanColumn(column: Float64Array, sequences: readonly Chunk[]): Float64Array {
  const out = new Float64Array(sequences.length);
  sequences.forEach((s, i) => {
    let sum = 0;
    for (const row of s.frames) sum += column[row]!;
    out[i] = sum / s.frames.length;
  });
  return out;
}

function sumClassCounts(counts: ClassCounts, sequences: readonly Chunk[]): ClassCounts {
  const k = counts.classes.length;
  const out = new Float64Array(sequences.length * k);
  const present = new Uint8Array(sequences.length);
  sequences.forEach((s, i) => {
    present[i] = s.frames.every((row) => counts.present[row] === 1) ? 1 : 0;
    for (const row of s.frames) for (let c = 0; c < k; c++) out[i * k + c]! += counts.counts[row * k + c]!;
  });
  return { classes: counts.classes, counts: out, present };
}

/** The dataset seen as sequences: one row per sequence, columns aggregated over its frames. */
export function sequenceSource(frames: SelectionSource, sequences: readonly Chunk[]): SelectionSource {
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  const count = sequences.length;
  const meanEmbeddings = (matrix: EmbeddingMatrix | undefined): EmbeddingMatrix | undefined => {
    if (!matrix) return undefined;
    const { dim } = matrix;
    const data = new Float32Array(count * dim);
    const sum = new Float64Array(dim);
    sequences.forEach((s, i) => {
      sum.fill(0);
      for (const row of s.frames) {
        const values = embeddingRow(matrix, row);
        for (let j = 0; j < dim; j++) sum[j]! += values[j]!;
      }
      for (let j = 0; j < dim; j++) data[i * dim + j] = sum[j]! / s.frames.length;
    });
    return { rows: count, dim, data };
  };
  return {
    rowCount: count,
    fileName: (row) => frames.fileName(sequences[row]!.frames[0]!),
    embeddings: () => once('embeddings', () => meanEmbeddings(frames.embeddings())),
    objectEmbeddings: () => undefined,
    querySet: (datasetId, tagName): QuerySet | undefined =>
      once(`query\u0000${datasetId}\u0000${tagName}`, () => {
        const query = frames.querySet(datasetId, tagName);
        if (!query?.inQuerySet) return query;
        const inQuery = query.inQuerySet;
        return { embeddings: query.embeddings, inQuerySet: Uint8Array.from(sequences, (s) => (s.frames.every((row) => inQuery[row] === 1) ? 1 : 0)) };
      }),
    metadataKeys: () => frames.metadataKeys(),
    metadata: (key) =>
      once(`metadata\u0000${key}`, (): MetadataColumn | undefined => {
        const column = frames.metadata(key);
        if (!column) return undefined;
        if (column.kind === 'numeric') return { kind: 'numeric', values: meanColumn(column.values, sequences) };
        // A sequence has a category when all its frames share it.
        const codes = Int32Array.from(sequences, (s) => (s.frames.every((row) => column.codes[row] === column.codes[s.frames[0]!]) ? column.codes[s.frames[0]!]! : -1));
        return { kind: 'categorical', codes, categories: column.categories };
      }),
    metadataClassCounts: (key) =>
      once(`classes\u0000${key}`, (): ClassCounts | undefined => {
        const column = frames.metadata(key);
        if (column?.kind !== 'categorical') return undefined;
        const k = column.categories.length;
        const counts = new Float64Array(count * k);
        const present = new Uint8Array(count);
        sequences.forEach((s, i) => {
          present[i] = s.frames.every((row) => column.codes[row]! >= 0) ? 1 : 0;
          for (const row of s.frames) if (column.codes[row]! >= 0) counts[i * k + column.codes[row]!]! += 1;
        });
        return { classes: column.categories, counts, present };
      }),
    tasks: () => frames.tasks(),
    score: (task, name) =>
      once(`score\u0000${task}\u0000${name}`, () => {
        const column = frames.score(task, name);
        return column ? meanColumn(column, sequences) : undefined;
      }),
    scoreNames: (task) => frames.scoreNames(task),
    classCounts: (task) =>
      once(`classCounts\u0000${task}`, () => {
        const counts = frames.classCounts(task);
        return counts ? sumClassCounts(counts, sequences) : undefined;
      }),
    categoryCount: (task) =>
      once(`categoryCount\u0000${task}`, () => {
        const column = frames.categoryCount(task);
        return column ? meanColumn(column, sequences) : undefined;
      }),
  };
}

/** Parses every frame name; refuses the dataset at the first name that is not a frame's. */
export function frameNames(source: SelectionSource): FrameName[] {
  const out: FrameName[] = [];
  for (let row = 0; row < source.rowCount; row++) {
    const name = source.fileName(row);
    const parsed = parseFrameName(name);
    if (!parsed) {
      throw new SelectionInputError([
        {
          path: 'selected_sequence_length',
          message: `sequences need video frames named <video path without extension>-<frame index>-<extension>.png (e.g. ${FRAME_NAME_EXAMPLE}); '${name}' (row ${row}) is not`,
        },
      ]);
    }
    out.push(parsed);
  }
  return out;
}

/**
 * Frame-level filters, thresholds first, then corrupt frames: a sequence is a candidate only if every
 * frame passes every THRESHOLD and is readable. Removals are counted in frames.
 */
function frameFilters(
  config: SelectionConfig,
  source: SelectionSource,
  sequences: readonly Chunk[],
  corruptRows: ReadonlyMap<number, string> | undefined,
): { candidate: boolean[]; dropped: DroppedRows[] } {
  const candidate = sequences.map((s) => !s.preselected);
  const dropped: DroppedRows[] = [];
  const dropWhere = (fails: (frame: number) => boolean, reason: string) => {
    let count = 0;
    sequences.forEach((s, i) => {
      if (candidate[i] && s.frames.some(fails)) {
        candidate[i] = false;
        count += s.frames.length;
      }
    });
    if (count > 0) dropped.push({ reason, count });
  };
  config.strategies.forEach(({ input, strategy }, index) => {
    const { filter } = strategyDefinition(strategy.type);
    if (!filter) return;
    const column = numericColumn(input, source);
    if (!column) return; // reported by the selection's own validation
    // A missing value is not a failed threshold: the sequence's mean is missing, and dropped as such.
    dropWhere(
      (frame) => !Number.isNaN(column[frame]!) && !filter.passes(strategy, column[frame]!),
      `${strategy.type} strategies[${index}]: ${describeInput(input)} ${filter.describe(strategy)} does not hold for every frame of the sequence`,
    );
  });
  // Then corrupt frames (duplicates come after, in the selection over sequences).
  if (corruptRows && corruptRows.size > 0) dropWhere((frame) => corruptRows.has(frame), 'corrupt image in the sequence');
  return { candidate, dropped };
}

/**
 * Prepares a sequence selection over a dataset of frames: the returned selection's rows are sequences
 * ({@link PreparedSelection.sequences} maps them to frames). Options are as for single frames, in frame
 * rows; `precomputed` is not used (the static parts are computed over sequences here).
 */
export function prepareSequenceSelection(config: SelectionConfig, source: SelectionSource, options: SelectionOptions = {}): PreparedSelection {
  const length = config.selectedSequenceLength ?? 1;
  const rowCount = source.rowCount;
  const names = frameNames(source);
  const { sequences, preselected, tailFrames } = cutSequences(names, length, rowCount, options);
  const { candidate, dropped } = frameFilters(config, source, sequences, options.corruptRows);

  const sequenceRows = sequences.map((_, i) => i);
  const dedupe = config.removeExactDuplicates ?? options.removeExactDuplicates ?? false;
  const frameMatrix = !dedupe || options.canonicalRows ? undefined : (source.rawEmbeddings?.() ?? source.embeddings());
  const frameCanonical = dedupe ? (options.canonicalRows ?? (frameMatrix ? canonicalRows(frameMatrix) : undefined)) : undefined;
  const sequencesAsRows = sequenceSource(source, sequences);
  const inner = prepareSelection(
    { ...config, selectedSequenceLength: 1, ...(config.nSamples !== undefined ? { nSamples: config.nSamples / length } : {}) },
    sequencesAsRows,
    {
      inputRows: sequenceRows.filter((i) => candidate[i]),
      preselectedRows: sequenceRows.filter((i) => sequences[i]!.preselected),
      ...(options.kernels ? { kernels: options.kernels } : {}),
      removeExactDuplicates: dedupe,
      ...(frameCanonical ? { canonicalRows: canonicalGroups(sequences.length, (g) => sequences[g]!.frames, frameCanonical) } : {}),
      // proportion_samples of the candidate frames, rounded down to whole sequences (at least one).
      requestedFor: (pool) => Math.max(1, Math.floor(config.proportionSamples! * pool + 1e-9)),
    },
  );

  const preselectedFrames = preselected.size;
  const plan: SequencePlan = {
    length,
    sequenceCount: sequences.length,
    candidateCount: candidate.filter(Boolean).length,
    incompleteTailFrames: tailFrames,
    preselectedFrames,
    dropped: [...(tailFrames > 0 ? [{ reason: `incomplete sequence at the end of a video (fewer than ${length} consecutive frames)`, count: tailFrames }] : []), ...dropped],
    frames: (sequence) => sequences[sequence]!.frames,
    source: sequencesAsRows,
    describe: (sequence) => {
      const frames = sequences[sequence]!.frames;
      return {
        video: names[frames[0]!]!.video,
        firstFrame: names[frames[0]!]!.index,
        lastFrame: names[frames[frames.length - 1]!]!.index,
        fileNames: frames.map((row) => source.fileName(row)),
      };
    },
  };
  const frameCounts = inner.dropped.map((d) => ({ reason: d.reason, count: d.count * length }));
  const datapool = options.datapool
    ? { requested: inner.target, target: inner.target + inner.preselectedRows.length, datapool: { poolSize: rowSet(options.datapool.rows, rowCount).size, processAll: options.datapool.newFrom === undefined } }
    : {};
  return { ...inner, ...datapool, dropped: frameCounts, sequences: plan };
}

/**
 * The frames in sequences of `length`, in frame order: the candidate frames (not preselected, in the
 * input, new to the pool) cut into sequences, with the incomplete tail of a video left out, and the
 * preselected frames (a preselected tag, the pool) grouped the same way.
 */
function cutSequences(names: readonly FrameName[], length: number, rowCount: number, options: SelectionOptions) {
  const preselected = rowSet(options.preselectedRows, rowCount);
  for (const row of rowSet(options.datapool?.rows, rowCount)) preselected.add(row);
  const inputRows = options.inputRows ? rowSet(options.inputRows, rowCount) : undefined;
  const newFrom = options.datapool?.newFrom ?? 0;
  const candidateFrames: number[] = [];
  for (let row = Math.max(0, newFrom); row < rowCount; row++) if (!preselected.has(row) && (!inputRows || inputRows.has(row))) candidateFrames.push(row);

  const cut = chunkFrames(candidateFrames, names, length, false);
  const kept = chunkFrames([...preselected], names, length, true);
  const sequences: Chunk[] = [...cut.chunks.map((frames) => ({ frames, preselected: false })), ...kept.chunks.map((frames) => ({ frames, preselected: true }))];
  sequences.sort((a, b) => a.frames[0]! - b.frames[0]!);
  return { sequences, preselected, tailFrames: cut.tailFrames };
}
