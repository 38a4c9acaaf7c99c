/**
 * Select's checkpoint written as a stream: the bytes one stringify gives (non-finite numbers kept as
 * strings), its large strings written in pieces — across surrogate pairs, escapes and non-ASCII text —
 * and read back equal from the S3 stand-in, as one PUT and, past a part, as a multipart upload.
 */
import { randomUUID } from 'node:crypto';
import { expect, inject, it } from 'vitest';
import { createAwsClients } from '../../functions/store/aws.js';
import { BlobStore, STREAM_PART_BYTES } from '../../functions/store/blobs.js';
import { checkpointJson, readCheckpoint, writeCheckpoint, type Checkpoint } from '../../functions/workflow/checkpoint.js';

const env = inject('winnowEnv');

const stringify = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

function checkpointWith(large: string[]): Checkpoint {
  return {
    selectStartedAt: 1_765_000_000_000,
    state: {
      picks: [
        { unit: 3, row: 3, score: -Infinity, objectives: [{ strategy: 0, objective: Infinity }, { strategy: 1, objective: 0.25 }] },
        { unit: 9, row: 9, score: 1.5, objectives: [{ strategy: 0, objective: NaN }, { strategy: 1, objective: 1 }] },
      ],
      strategies: large.map((text, i) => ({ picked: true, maxMinDistSq: i === 0 ? Infinity : 2, minDistSqFloat64: text, note: 'small "quoted" \\ text' })),
    },
    finished: { stopReason: 'TARGET_REACHED' },
  };
}

it('gives the bytes of one stringify, its large strings written piece by piece', () => {
  const awkward = 'ab"c\\d\né€😀\u0001'.repeat(7);
  const base64 = 'QUJD+/9='.repeat(40).slice(0, -1) + '=';
  const value = checkpointWith([awkward, base64, 'short']);
  const pieces = [...checkpointJson(value, { largeString: 16, piece: 5 })];
  // Pieces of at most 5 characters (6 where a surrogate pair would be cut), escaped: far more than one.
  expect(pieces.length).toBeGreaterThan(100);
  expect(Buffer.concat(pieces).toString('utf8')).toBe(stringify(value));
  // With the default sizes nothing here is large: one stringify, in one piece.
  expect([...checkpointJson(value)]).toHaveLength(1);
});

it('round-trips through the S3 stand-in: one PUT for a small checkpoint, a multipart upload past a part', async () => {
  const blobs = new BlobStore(createAwsClients(env).s3, env.bucketName);
  for (const length of [1000, STREAM_PART_BYTES + 12_345]) {
    const runId = randomUUID();
    const large = 'A/+9'.repeat(Math.ceil(length / 4)).slice(0, length);
    const value = checkpointWith([large]);
    await writeCheckpoint(blobs, runId, value);
    const back = await readCheckpoint(blobs, runId);
    expect(back).toEqual(value);
    expect(back!.state.picks[0]!.score).toBe(-Infinity);
    expect(Number.isNaN(back!.state.picks[1]!.objectives[0]!.objective)).toBe(true);
  }
  expect(await readCheckpoint(blobs, randomUUID())).toBeUndefined();
});
