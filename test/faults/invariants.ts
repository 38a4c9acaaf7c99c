/**
 * The invariants the crash suite checks after each restart, over everything in the table and the bucket
 * (the suite's own stores, so nothing else writes there):
 *
 * - every visible dataset's manifest exists and names column objects that exist;
 * - no tag of a visible dataset points at a missing bitset (so no bitset was deleted while a tag used it);
 * - every run is SUCCEEDED, FAILED or CANCELLED; a SUCCEEDED run's result tag exists, was made by that
 *   run and has its bitset; no tag was made by a run that did not succeed (no half-written result tag);
 * - no upload is COMMITTING.
 *
 * A dataset being deleted is invisible (its deletion resumes when retried, which the suite checks
 * separately). Bitsets no tag points at are garbage, not a broken invariant: they are counted.
 */
import { ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../../functions/store/aws.js';
import type { DatasetManifest } from '../../functions/store/columns.js';
import { tagBitsKey } from '../../functions/store/tags.js';

export interface StoreSnapshot {
  readonly items: Record<string, unknown>[];
  readonly objects: Set<string>;
}

export async function snapshot(clients: AwsClients, tableName: string, bucketName: string): Promise<StoreSnapshot> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await clients.dynamo.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  // A prefix listing without a delimiter: s3rver lists no common prefixes ("folders") with one.
  const objects = new Set<string>();
  let token: string | undefined;
  do {
    const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucketName, ContinuationToken: token }));
    for (const object of page.Contents ?? []) objects.add(object.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return { items, objects };
}

export interface InvariantReport {
  readonly violations: string[];
  /** Tag bitsets no tag record points at (garbage a crash may leave; never read). */
  readonly orphanedBitsets: number;
}

export async function checkInvariants(clients: AwsClients, bucketName: string, { items, objects }: StoreSnapshot): Promise<InvariantReport> {
  const violations: string[] = [];
  const datasets = items.filter((i) => String(i.pk).startsWith('DATASET#') && i.sk === 'META');
  const deleting = new Set(datasets.filter((d) => d.deletingAt !== undefined).map((d) => d.id as string));
  for (const dataset of datasets) {
    if (deleting.has(dataset.id as string) || !dataset.manifestKey) continue;
    const key = dataset.manifestKey as string;
    if (!objects.has(key)) {
      violations.push(`dataset ${dataset.id as string}: manifest ${key} is missing`);
      continue;
    }
    const body = await clients.s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
    const manifest = JSON.parse(await body.Body!.transformToString()) as DatasetManifest;
    for (const shard of manifest.shards) {
      for (const column of Object.values(shard.columns)) {
        if (!objects.has(column.key)) violations.push(`dataset ${dataset.id as string}: shard ${shard.id} column ${column.key} is missing`);
      }
    }
  }

  const tags = items.filter((i) => String(i.sk).startsWith('TAG#'));
  const referenced = new Set<string>();
  for (const tag of tags) {
    if (tag.allRows) continue;
    const key = tagBitsKey(tag.datasetId as string, tag.tagId as string);
    referenced.add(key);
    if (!deleting.has(tag.datasetId as string) && !objects.has(key)) violations.push(`tag ${tag.name as string} of dataset ${tag.datasetId as string}: bitset ${key} is missing`);
  }
  const orphanedBitsets = [...objects].filter((key) => /^datasets\/[^/]+\/tags\/[^/]+\.bits$/.test(key) && !referenced.has(key)).length;

  const runs = items.filter((i) => String(i.pk).startsWith('RUN#') && i.sk === 'META');
  for (const run of runs) {
    const id = run.id as string;
    if (!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status as string)) violations.push(`run ${id}: ${run.status as string}, not finished`);
    if (run.deletingAt !== undefined || deleting.has(run.datasetId as string)) continue;
    const made = tags.filter((t) => t.createdBy === `selection:${id}`);
    if (run.status === 'SUCCEEDED') {
      if (!made.some((t) => t.name === run.resultTagName)) violations.push(`run ${id}: SUCCEEDED without its result tag '${run.resultTagName as string}'`);
    } else if (made.length > 0) {
      violations.push(`run ${id}: ${run.status as string} but left tag '${made[0]!.name as string}'`);
    }
  }

  for (const upload of items.filter((i) => String(i.sk).startsWith('UPLOAD#') && i.status === 'COMMITTING')) {
    violations.push(`upload ${String(upload.sk).slice('UPLOAD#'.length)}: still COMMITTING after the sweep`);
  }
  return { violations, orphanedBitsets };
}

/** Whether some upload is COMMITTING (the sweep at start may still be converting it). */
export function committing({ items }: StoreSnapshot): boolean {
  return items.some((i) => String(i.sk).startsWith('UPLOAD#') && i.status === 'COMMITTING');
}
