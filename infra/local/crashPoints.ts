/**
 * Crash points for the crash suite (test/faults/): a process of the local runtime that dies with SIGKILL
 * right before its n-th write to DynamoDB or S3 — the hook picks the point, not a timer.
 *
 * Active only when `WINNOW_CRASH_PLAN` names a file; otherwise {@link installCrashPointsFromEnv} does
 * nothing and no client is touched. The file holds a {@link CrashPlan} (JSON) and is read again at every
 * write, so the suite sets its data up first and arms the plan right before the operation it tests.
 * Writes are counted in a log file shared by every thread of the process (the API's and the task
 * threads'): the n-th write is the n-th line.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { onAwsClientsCreated } from '../../functions/store/aws.js';

export const CRASH_PLAN_VARIABLE = 'WINNOW_CRASH_PLAN';

export interface CrashPlan {
  /** Writes are counted only while armed. */
  readonly armed: boolean;
  /** Counting begins with the first write whose description contains this (default: the first write). */
  readonly startAt?: string;
  /** The process kills itself right before this write (1-based); without it, writes are only counted. */
  readonly killBefore?: number;
  /** One line per counted write: its description (`PutItem DATASET#…/TAG#a`, `PutObject datasets/…`). */
  readonly log: string;
  /** The description of the write the process died before. */
  readonly killedLog: string;
}

/** The commands that change something, by operation name (without `Command`). */
const WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'TransactWriteItems',
  'BatchWriteItem',
  'PutObject',
  'CopyObject',
  'DeleteObject',
  'DeleteObjects',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
]);

const MIDDLEWARE = 'winnowCrashPoints';

let installed = false;

/** Installs the crash points on every client built from now on in this thread, if the plan variable is set. */
export function installCrashPointsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  const planFile = env[CRASH_PLAN_VARIABLE];
  if (!planFile || installed) return;
  installed = true;
  onAwsClientsCreated(({ dynamo, s3 }) => {
    addCrashPoint(dynamo, planFile);
    addCrashPoint(s3, planFile);
  });
}

function addCrashPoint(client: DynamoDBClient | S3Client, planFile: string): void {
  const stack = client.middlewareStack as DynamoDBClient['middlewareStack'];
  stack.add(
    (next, context) => (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      if (WRITES.has(operation)) beforeWrite(planFile, `${operation} ${describeTarget(args.input as Record<string, unknown>)}`);
      return next(args);
    },
    // Before everything else, so that the process dies before the request leaves it.
    { step: 'initialize', priority: 'high', name: MIDDLEWARE },
  );
}

function beforeWrite(planFile: string, description: string): void {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as CrashPlan;
  if (!plan.armed) return;
  const counted = countLines(plan.log);
  if (counted === 0 && plan.startAt !== undefined && !description.includes(plan.startAt)) return;
  if (plan.killBefore === counted + 1) {
    appendFileSync(plan.killedLog, `${description}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  appendFileSync(plan.log, `${description}\n`);
}

function countLines(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** Which item or object a write touches, for the log: keys, not contents. */
function describeTarget(input: Record<string, unknown>): string {
  if (typeof input.Key === 'string') return input.Key;
  if (Array.isArray((input.Delete as { Objects?: unknown[] } | undefined)?.Objects)) return `${(input.Delete as { Objects: unknown[] }).Objects.length} objects`;
  const item = (input.Item ?? input.Key) as Record<string, unknown> | undefined;
  if (item) return itemKey(item);
  if (Array.isArray(input.TransactItems)) {
    return (input.TransactItems as Record<string, { Item?: Record<string, unknown>; Key?: Record<string, unknown> }>[])
      .map((entry) => Object.entries(entry).map(([kind, body]) => `${kind}:${itemKey(body.Item ?? body.Key ?? {})}`)[0])
      .join(' ');
  }
  if (input.RequestItems) return 'batch';
  return '';
}

/** `pk/sk` of a plain or marshalled (`{ S: … }`) item. */
function itemKey(item: Record<string, unknown>): string {
  const text = (value: unknown) => (typeof value === 'string' ? value : ((value as { S?: string } | undefined)?.S ?? '?'));
  return `${text(item.pk)}/${text(item.sk)}`;
}
