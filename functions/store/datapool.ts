/**
 * A dataset's datapool: the samples picked by its earlier pool runs (`DATASET#<id>` / `DATAPOOL`). The
 * pool's rows are a bitset in S3 (`datasets/<id>/datapool/<run id>.bits`, written once per run); the
 * record points at the committed one and keeps the pool's history.
 *
 * The commit point is the run's own status (the pool's bitset lives in S3, which no DynamoDB transaction covers). A pool run first
 * claims the pool (`pending = {runId}`, refused while another pool run is live), then, when it has its
 * picks, stages pool ∪ picks (`pending.bitsKey`), then writes its result tag, then turns SUCCEEDED with
 * the run record's conditional update. Whoever reads the pool next *settles* it: a pending run that
 * SUCCEEDED is folded into the committed pool; one that FAILED or was CANCELLED is dropped, leaving the
 * pool as it was; a live one leaves the committed pool as the pool. So the pool changes if and only if
 * the run (and so its tag) succeeded, whatever crashes in between. Every step is a conditional write on
 * `pending.runId`, so a retried task repeats it safely.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreError } from './errors.js';
import type { RunStatus } from './runs.js';

export interface DatapoolEvent {
  readonly event: 'RUN' | 'RESET';
  /** The pool run (RUN only). */
  readonly runId?: string;
  readonly at: string;
  /** Samples this event added (0 for RESET). */
  readonly added: number;
  /** The pool's size after it. */
  readonly count: number;
}

export interface PendingPoolRun {
  readonly runId: string;
  readonly claimedAt: string;
  /** Staged by the run when it has its picks: pool ∪ picks. */
  readonly bitsKey?: string;
  readonly rowCount?: number;
  readonly count?: number;
  readonly added?: number;
}

export interface Datapool {
  readonly datasetId: string;
  /** The committed pool's bitset (absent while empty), its length and size. */
  readonly bitsKey?: string;
  readonly rowCount: number;
  readonly count: number;
  /** Rows at and past this one were added since the last pool run: the default candidates. */
  readonly newFrom: number;
  readonly version: number;
  readonly history: readonly DatapoolEvent[];
  readonly pending?: PendingPoolRun;
}

/** Another pool run on the dataset is queued or running. */
export class DatapoolBusyError extends StoreError {
  override name = 'DatapoolBusyError';
  constructor(
    readonly datasetId: string,
    readonly runId: string,
  ) {
    super(`the datapool of dataset '${datasetId}' is in use by selection run '${runId}' (queued or running); wait for it or cancel it`);
  }
}

/** How the store learns a run's status (undefined: no such run). */
export type RunStatusOf = (runId: string) => Promise<RunStatus | undefined>;

/** A claim whose run record never appeared (the start failed half-way) is released after this long. */
const ORPHAN_CLAIM_MS = 5 * 60_000;

export const datapoolBitsKey = (datasetId: string, runId: string) => `datasets/${datasetId}/datapool/${runId}.bits`;

export interface DatapoolRepository {
  /** The pool after settling a finished pending run. */
  get(datasetId: string, statusOf: RunStatusOf): Promise<Datapool>;
  /** Claims the pool for a run; {@link DatapoolBusyError} while another pool run is live. */
  claim(datasetId: string, runId: string, statusOf: RunStatusOf): Promise<Datapool>;
  /** Releases a claim that never became a run (idempotent). */
  release(datasetId: string, runId: string): Promise<void>;
  /** Records pool ∪ picks for the claiming run (repeatable). */
  stage(datasetId: string, runId: string, staged: { bitsKey: string; rowCount: number; count: number; added: number }): Promise<void>;
  /** Empties the pool; {@link DatapoolBusyError} while a pool run is live. */
  reset(datasetId: string, statusOf: RunStatusOf): Promise<Datapool>;
}

const emptyPool = (datasetId: string): Datapool => ({ datasetId, rowCount: 0, count: 0, newFrom: 0, version: 0, history: [] });

export class DynamoDatapoolRepository implements DatapoolRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(datasetId: string) {
    return { pk: `DATASET#${datasetId}`, sk: 'DATAPOOL' };
  }

  private async read(datasetId: string): Promise<Datapool> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(datasetId), ConsistentRead: true }));
    if (!Item) return emptyPool(datasetId);
    const { pk: _pk, sk: _sk, ...pool } = Item;
    return pool as unknown as Datapool;
  }

  /** Writes `next` if the record is still at `current.version` (every change bumps it). */
  private async write(current: Datapool, next: Datapool): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(current.datasetId), ...next, version: current.version + 1 },
          ...(current.version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': current.version } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Folds a finished pending run in (SUCCEEDED) or drops it (FAILED, CANCELLED, orphaned). */
  private async settle(datasetId: string, statusOf: RunStatusOf): Promise<Datapool> {
    for (;;) {
      const pool = await this.read(datasetId);
      const pending = pool.pending;
      if (!pending) return pool;
      const status = await statusOf(pending.runId);
      let next: Datapool;
      if (status === 'SUCCEEDED' && pending.bitsKey) {
        const { pending: _done, ...rest } = pool;
        next = {
          ...rest,
          bitsKey: pending.bitsKey,
          rowCount: pending.rowCount!,
          count: pending.count!,
          newFrom: pending.rowCount!,
          history: [...pool.history, { event: 'RUN', runId: pending.runId, at: new Date().toISOString(), added: pending.added ?? 0, count: pending.count! }],
        };
      } else if (status === 'FAILED' || status === 'CANCELLED' || status === 'SUCCEEDED' || (status === undefined && Date.now() - Date.parse(pending.claimedAt) > ORPHAN_CLAIM_MS)) {
        const { pending: _dropped, ...rest } = pool;
        next = rest;
      } else return pool;
      if (await this.write(pool, next)) return { ...next, version: pool.version + 1 };
    }
  }

  get(datasetId: string, statusOf: RunStatusOf): Promise<Datapool> {
    return this.settle(datasetId, statusOf);
  }

  async claim(datasetId: string, runId: string, statusOf: RunStatusOf): Promise<Datapool> {
    for (;;) {
      const pool = await this.settle(datasetId, statusOf);
      if (pool.pending?.runId === runId) return pool;
      if (pool.pending) throw new DatapoolBusyError(datasetId, pool.pending.runId);
      const next = { ...pool, pending: { runId, claimedAt: new Date().toISOString() } };
      if (await this.write(pool, next)) return { ...next, version: pool.version + 1 };
    }
  }

  async release(datasetId: string, runId: string): Promise<void> {
    for (;;) {
      const pool = await this.read(datasetId);
      if (pool.pending?.runId !== runId) return;
      const { pending: _released, ...rest } = pool;
      if (await this.write(pool, rest)) return;
    }
  }

  async stage(datasetId: string, runId: string, staged: { bitsKey: string; rowCount: number; count: number; added: number }): Promise<void> {
    for (;;) {
      const pool = await this.read(datasetId);
      if (pool.pending?.runId !== runId) throw new StoreError(`the datapool of dataset '${datasetId}' is no longer claimed by run '${runId}'`);
      if (await this.write(pool, { ...pool, pending: { ...pool.pending, ...staged } })) return;
    }
  }

  async reset(datasetId: string, statusOf: RunStatusOf): Promise<Datapool> {
    for (;;) {
      const pool = await this.settle(datasetId, statusOf);
      if (pool.pending) throw new DatapoolBusyError(datasetId, pool.pending.runId);
      const { bitsKey: _gone, ...rest } = pool;
      const next: Datapool = {
        ...rest,
        rowCount: 0,
        count: 0,
        newFrom: 0,
        history: [...pool.history, { event: 'RESET', at: new Date().toISOString(), added: 0, count: 0 }],
      };
      if (await this.write(pool, next)) return { ...next, version: pool.version + 1 };
    }
  }
}
