/**
 * The report of a finished selection, written by Select after the tag and before the run turns
 * SUCCEEDED (so `selectionRun.report` is there as soon as the run is). A report that cannot be made
 * never costs the selection: {@link writeRunReport} returns a note for the run's summary instead of
 * throwing, and the run SUCCEEDS with its tag.
 */
import { computeReportFigures, type ReportInput, type ReportRunInfo } from '../report/figures.js';
import type { EmbeddingRows } from '../report/projection.js';
import { ReportGenerationError } from '../report/errors.js';
import { storeReport } from '../report/store.js';
import type { BlobStore } from '../store/blobs.js';
import { ColumnReader, type DatasetManifest } from '../store/columns.js';
import type { SequencePlan } from '../selection/sequences.js';
import { embeddingRow } from '../selection/matrix.js';
import type { SelectionSource } from '../selection/types.js';

/**
 * Image embeddings of some rows: copied from memory when the selection loaded them, otherwise read one
 * column shard at a time (only the shards that hold a requested row), so memory stays one shard.
 */
export function embeddingRowsOf(source: SelectionSource, blobs: BlobStore, manifest: DatasetManifest): EmbeddingRows {
  return async (rows) => {
    const dim = manifest.embeddingDimension;
    const data = new Float32Array(rows.length * dim);
    const inMemory = source.embeddings();
    if (inMemory && inMemory.dim === dim && inMemory.rows === manifest.rowCount) {
      rows.forEach((row, i) => data.set(embeddingRow(inMemory, row), i * dim));
      return { dim, data };
    }
    const reader = new ColumnReader(blobs, manifest);
    let i = 0;
    for (const shard of manifest.shards) {
      const end = shard.rowStart + shard.rowCount;
      if (i >= rows.length) break;
      if (rows[i]! >= end) continue;
      const values = await reader.float32(shard, 'embeddings.normalized');
      for (; i < rows.length && rows[i]! < end; i++) {
        const local = rows[i]! - shard.rowStart;
        if (values) data.set(values.subarray(local * dim, (local + 1) * dim), i * dim);
      }
    }
    return { dim, data };
  };
}

/**
 * A sequence selection's points: the mean of each sequence's frames' normalized embeddings (what the
 * selection measured), read through `frameRows`.
 */
export function sequenceEmbeddingRows(frameRows: EmbeddingRows, plan: SequencePlan): EmbeddingRows {
  return async (sequences) => {
    const frames = [...new Set(sequences.flatMap((s) => plan.frames(s)))].sort((a, b) => a - b);
    const { dim, data: frameData } = await frameRows(frames);
    const at = new Map(frames.map((row, i) => [row, i]));
    const data = new Float32Array(sequences.length * dim);
    sequences.forEach((s, i) => {
      const members = plan.frames(s);
      for (const frame of members) {
        const offset = at.get(frame)! * dim;
        for (let j = 0; j < dim; j++) data[i * dim + j]! += frameData[offset + j]! / members.length;
      }
    });
    return { dim, data };
  };
}

export type RunReportInput = Omit<ReportInput, 'run'> & { readonly run: ReportRunInfo };

/** Computes and stores the report; on failure returns the note to add to the run's summary. */
export async function writeRunReport(blobs: BlobStore, input: RunReportInput): Promise<{ note?: string }> {
  try {
    let figures;
    try {
      figures = await computeReportFigures(input);
    } catch (error) {
      throw new ReportGenerationError('computing the figures', error);
    }
    try {
      await storeReport(blobs, figures);
    } catch (error) {
      throw new ReportGenerationError('storing the report', error);
    }
    return {};
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(JSON.stringify({ level: 'error', runId: input.run.id, message: 'report failed', error: message }));
    return { note: `report: not generated (${message}); the selection and its tag are complete` };
  }
}
