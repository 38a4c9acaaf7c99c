/**
 * Select's checkpoint: the greedy state (the picks and each strategy's snapshot) and when Select started,
 * as JSON in which the non-finite numbers a pick can carry (a score of −∞, an objective of +∞) are kept —
 * plain JSON would turn them into null.
 *
 * Written as a stream of the JSON text's bytes. At 10M rows DIVERSITY's snapshot is one string of 107 MB
 * (its distances in base64); stringifying the whole checkpoint held that string three more times at once
 * (the text while it grew, the text, its bytes), about 500 MB on top of everything a Select hop holds at
 * its end — its peak. Here strings that large are left out of the stringify and written piece by piece
 * in their place: the same bytes, at most a piece of them extra.
 */
import { randomUUID } from 'node:crypto';
import type { GreedyState, StopReason } from '../selection/index.js';
import type { BlobStore } from '../store/blobs.js';
import { runKeys } from './results.js';

export interface Checkpoint {
  readonly state: GreedyState;
  readonly selectStartedAt: number;
  /** Set once the picks are complete: what remains is Finish's work. */
  readonly finished?: { readonly stopReason: StopReason };
}

const NON_FINITE: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN };

/** Strings longer than this are written in pieces of {@link PIECE_CHARS}. */
const LARGE_STRING_CHARS = 1 << 20;
const PIECE_CHARS = 4 << 20;

export async function readCheckpoint(blobs: BlobStore, runId: string): Promise<Checkpoint | undefined> {
  const bytes = await blobs.get(runKeys.checkpoint(runId));
  if (!bytes) return undefined;
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), (_key, value: unknown) =>
    typeof value === 'string' && value in NON_FINITE ? NON_FINITE[value] : value,
  ) as Checkpoint;
}

export async function writeCheckpoint(blobs: BlobStore, runId: string, checkpoint: Checkpoint): Promise<void> {
  await blobs.putStream(runKeys.checkpoint(runId), checkpointJson(checkpoint));
}

/**
 * The checkpoint's JSON text as UTF-8 pieces: byte for byte what one stringify gives (non-finite numbers
 * as strings), without holding any string over `largeString` characters twice.
 */
export function* checkpointJson(value: unknown, { largeString = LARGE_STRING_CHARS, piece = PIECE_CHARS } = {}): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  // A placeholder no real string can equal.
  const marker = `winnow-large-string-${randomUUID()}-`;
  const large: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (typeof v === 'string' && v.length > largeString) {
      large.push(v);
      return `${marker}${large.length - 1}`;
    }
    return v;
  });
  let at = 0;
  for (const [i, string] of large.entries()) {
    const placeholder = JSON.stringify(`${marker}${i}`);
    const found = text.indexOf(placeholder, at);
    yield encoder.encode(text.slice(at, found) + '"');
    for (let start = 0; start < string.length; ) {
      let end = Math.min(start + piece, string.length);
      // Never between the two halves of a surrogate pair, which would be escaped apart.
      const last = string.charCodeAt(end - 1);
      if (end < string.length && last >= 0xd800 && last <= 0xdbff) end++;
      const escaped = JSON.stringify(string.slice(start, end));
      yield encoder.encode(escaped.slice(1, -1));
      start = end;
    }
    yield encoder.encode('"');
    at = found + placeholder.length;
  }
  yield encoder.encode(text.slice(at));
}
