/**
 * Writes that must happen together or not at all (`TransactWriteItems`), with the outcome in the
 * store's own terms:
 *
 * - a condition that failed (`ConditionalCheckFailed` in the cancellation reasons) is a conflict the
 *   caller names — by default {@link ConcurrentUpdateError}, which the API answers as `CONFLICT`;
 * - another transaction touching the same items meanwhile (`TransactionConflict`) is retried a few times
 *   with jitter, then also reported as a conflict (never as a 500).
 *
 * Throttling and service faults are left to the SDK's own retries and then to the store boundary, which
 * reports them as transient.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from './errors.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit on the items of one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

export interface TransactionOptions {
  /**
   * The error for a failed condition; `failed` holds the indexes (into `items`) of the conditions that
   * failed. Default: a {@link ConcurrentUpdateError} naming `kind` and `id`.
   */
  readonly conflict?: (failed: readonly number[]) => Error;
  /** What the default conflict error names. */
  readonly kind?: string;
  readonly id?: string;
  /** Attempts when the transaction collides with another one (default 4). */
  readonly attempts?: number;
}

/** Why DynamoDB cancelled a transaction, one code per item (`None` for the items that were fine). */
export function cancellationCodes(error: unknown): readonly string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

export async function writeTransaction(dynamo: DynamoDBDocumentClient, items: readonly TransactItem[], options: TransactionOptions = {}): Promise<void> {
  if (items.length === 0) return;
  if (items.length > MAX_TRANSACTION_ITEMS) throw new Error(`a transaction holds at most ${MAX_TRANSACTION_ITEMS} items, got ${items.length}`);
  const conflict = options.conflict ?? (() => new ConcurrentUpdateError(options.kind ?? 'item', options.id ?? '?'));
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      await dynamo.send(new TransactWriteCommand({ TransactItems: [...items] }));
      return;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      const failed = codes.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length > 0) throw conflict(failed);
      const collided = codes.includes('TransactionConflict');
      if (collided && attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * (0.5 + Math.random())));
        continue;
      }
      if (collided) throw conflict([]);
      throw error;
    }
  }
}
