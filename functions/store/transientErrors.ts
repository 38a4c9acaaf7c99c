/**
 * The store boundary's error classes: a DynamoDB or S3 call that still fails after the SDK's own retries
 * because the service throttled it, answered with a 5xx, or the network dropped it, surfaces as a
 * {@link TransientError} (the original kept as `cause`), which the state machine's Retry policy retries
 * with backoff (infra/workflow.ts). Every other error (a failed condition, a missing key, a validation
 * error) passes through unchanged and stays a failure with its own reason.
 *
 * Installed as a middleware on the clients every store is built on ({@link createAwsClients}), in the
 * `initialize` step: outside the SDK's retry loop, so it sees only what the retries gave up on.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { TransientError } from './errors.js';

/** Error names by which AWS services say "too many requests, slow down". */
const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'TransactionInProgressException',
  'PriorRequestNotComplete',
]);

/** Error names and codes of a request that never got an answer. */
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_HTTP2_STREAM_ERROR']);

/** Cancellation reasons of a transaction that was cancelled for load, not for its conditions. */
const TRANSIENT_CANCELLATION_CODES = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

interface ServiceErrorShape {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: readonly { Code?: string }[];
}

/** Whether `error` (as the SDK throws it) is worth retrying later: throttling, a 5xx, a network fault. */
export function isTransientServiceError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as ServiceErrorShape;
  if (e.name === 'TransactionCanceledException') {
    const codes = (e.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
    return codes.some((code) => TRANSIENT_CANCELLATION_CODES.has(code)) && !codes.includes('ConditionalCheckFailed');
  }
  if (e.$retryable?.throttling) return true;
  if (e.name !== undefined && (THROTTLING_NAMES.has(e.name) || NETWORK_NAMES.has(e.name))) return true;
  if (e.code !== undefined && NETWORK_NAMES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return e.$fault === 'server' || (status !== undefined && status >= 500);
}

export const TRANSIENT_ERRORS_MIDDLEWARE = 'winnowTransientErrors';

/** Adds the mapping to a client (idempotent: a client gets it once). */
export function reportTransientErrors(client: DynamoDBClient | S3Client): void {
  const stack = client.middlewareStack as DynamoDBClient['middlewareStack'];
  if (stack.identify().some((entry) => entry.startsWith(TRANSIENT_ERRORS_MIDDLEWARE))) return;
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isTransientServiceError(error)) throw error;
        const { name, message } = error as Error;
        const service = (context.clientName ?? 'AWS').replace(/Client$/, '');
        const operation = (context.commandName ?? 'a call').replace(/Command$/, '');
        throw new TransientError(`${service} ${operation} failed after retries (${name}: ${message})`, { cause: error });
      }
    },
    { step: 'initialize', priority: 'high', name: TRANSIENT_ERRORS_MIDDLEWARE },
  );
}
