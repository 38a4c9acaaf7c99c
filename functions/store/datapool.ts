/**
 * A dataset's datapool: the samples picked by its earlier pool runs (`DATASET#<id>` / `DATAPOOL`). The
 * pool's rows are a bitset in S3 (`datasets/<id>/datapool/<run id>.bits`, written once per run, before
 * the run commits); the record points at the committed one and keeps the pool's history.
 *
 * Every change is one item of a DynamoDB transaction with the run record, so the pool and the run cannot
 * disagree:
 *
 * - **claim** (`activeRunId`): written in the transaction that creates the pool run, on condition that no
 *   other run holds the pool — the second of two concurrent pool runs is refused as a whole;
 * - **commit**: written in the transaction that writes the run's result tag and turns it SUCCEEDED, on
 *   condition that the run still holds the claim; it replaces the bitset, appends to the history and
 *   releases the claim. A run that fails or is cancelled never writes it, so its pool stays as it was;
 * - **release**: when the run fails or is cancelled (a conditional update, a no-op if the run no longer
 *   holds the claim). Should a process die between a run's final status and the release, the claim is
 *   stale — held by a finished or vanished run — and the next claim or reset takes it over.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreError } from './errors.js';
import type { RunStatus } from './runs.js';
import type { TransactItem } from './transactions.js';

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

export interface Datapool {
  readonly datasetId: string;
  /** The committed pool's bitset (absent while empty), its length and size. */
  readonly bitsKey?: string;
  readonly rowCount: number;
  readonly count: number;
  /** Rows at and past this one were added since the last pool run: the default candidates. */
  readonly newFrom: number;
  readonly history: readonly DatapoolEvent[];
  /** The pool run that holds the pool (queued or running); absent when the pool is free. */
  readonly activeRunId?: string;
  readonly claimedAt?: string;
}

/** What a successful pool run commits: pool ∪ its picks. */
export interface CommittedPool {
  readonly bitsKey: string;
  readonly rowCount: number;
  readonly count: number;
  readonly added: number;
}

/** Another pool run on the dataset is queued or running. */
export class DatapoolBusyError extends StoreError {
  override name = 'DatapoolBusyError';
  constructor(
    readonly datasetId: string,
    /** The run holding the pool, when known (a claim lost to a concurrent start names none). */
    readonly runId?: string,
  ) {
    super(`the datapool of dataset '${datasetId}' is in use by ${runId !== undefined ? `selection run '${runId}'` : 'another selection run'} (queued or running); wait for it or cancel it`);
  }
}

/** How the store learns a run's status (undefined: no such run). */
export type RunStatusOf = (runId: string) => Promise<RunStatus | undefined>;

const LIVE: readonly (RunStatus | undefined)[] = ['QUEUED', 'RUNNING'];

export const datapoolBitsKey = (datasetId: string, runId: string) => `datasets/${datasetId}/datapool/${runId}.bits`;

export interface DatapoolRepository {
  /** The pool; a stale claim (its run finished or vanished) is shown as no claim. */
  get(datasetId: string, statusOf: RunStatusOf): Promise<Datapool>;
  /**
   * The claim for a new run, as an item of the transaction that creates it, after checking the claim
   * now held: {@link DatapoolBusyError} if a live run holds it; a stale one is taken over. The item's
   * condition repeats the check, so a run that claimed meanwhile makes the transaction fail.
   */
  claimItem(datasetId: string, runId: string, statusOf: RunStatusOf): Promise<TransactItem>;
  /** pool := committed, with a history entry, releasing the claim: an item of the run's commit. */
  commitItem(datasetId: string, runId: string, committed: CommittedPool): TransactItem;
  /** Releases the run's claim, if it still holds it (idempotent). */
  release(datasetId: string, runId: string): Promise<void>;
  /** Empties the pool; {@link DatapoolBusyError} while a pool run is live. */
  reset(datasetId: string, statusOf: RunStatusOf): Promise<Datapool>;
}

const emptyPool = (datasetId: string): Datapool => ({ datasetId, rowCount: 0, count: 0, newFrom: 0, history: [] });

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
    return { ...emptyPool(datasetId), ...(pool as Partial<Datapool>) };
  }

  /** The live claim's run, or undefined when the pool is free or its claim is stale. */
  private async liveClaim(pool: Datapool, statusOf: RunStatusOf): Promise<string | undefined> {
    if (pool.activeRunId === undefined) return undefined;
    return LIVE.includes(await statusOf(pool.activeRunId)) ? pool.activeRunId : undefined;
  }

  /** The condition that the claim is still what was read (`:held`, absent when it was free). */
  private claimUnchanged(pool: Datapool): { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> } {
    return pool.activeRunId === undefined
      ? { ConditionExpression: 'attribute_not_exists(activeRunId)' }
      : { ConditionExpression: 'activeRunId = :held', ExpressionAttributeValues: { ':held': pool.activeRunId } };
  }

  async get(datasetId: string, statusOf: RunStatusOf): Promise<Datapool> {
    const pool = await this.read(datasetId);
    if (pool.activeRunId === undefined || (await this.liveClaim(pool, statusOf))) return pool;
    const { activeRunId: _stale, claimedAt: _at, ...free } = pool;
    return free;
  }

  async claimItem(datasetId: string, runId: string, statusOf: RunStatusOf): Promise<TransactItem> {
    const pool = await this.read(datasetId);
    const live = await this.liveClaim(pool, statusOf);
    if (live !== undefined) throw new DatapoolBusyError(datasetId, live);
    const unchanged = this.claimUnchanged(pool);
    return {
      Update: {
        TableName: this.tableName,
        Key: this.key(datasetId),
        UpdateExpression:
          'SET activeRunId = :run, claimedAt = :now, datasetId = :dataset, history = if_not_exists(history, :none), ' +
          '#count = if_not_exists(#count, :zero), rowCount = if_not_exists(rowCount, :zero), newFrom = if_not_exists(newFrom, :zero)',
        ConditionExpression: unchanged.ConditionExpression,
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ...unchanged.ExpressionAttributeValues,
          ':run': runId,
          ':now': new Date().toISOString(),
          ':dataset': datasetId,
          ':none': [],
          ':zero': 0,
        },
      },
    };
  }

  commitItem(datasetId: string, runId: string, committed: CommittedPool): TransactItem {
    const event: DatapoolEvent = { event: 'RUN', runId, at: new Date().toISOString(), added: committed.added, count: committed.count };
    return {
      Update: {
        TableName: this.tableName,
        Key: this.key(datasetId),
        UpdateExpression: 'SET bitsKey = :bits, rowCount = :rows, #count = :count, newFrom = :rows, history = list_append(history, :event) REMOVE activeRunId, claimedAt',
        ConditionExpression: 'activeRunId = :run',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':bits': committed.bitsKey, ':rows': committed.rowCount, ':count': committed.count, ':event': [event], ':run': runId },
      },
    };
  }

  async release(datasetId: string, runId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(datasetId),
          UpdateExpression: 'REMOVE activeRunId, claimedAt',
          ConditionExpression: 'activeRunId = :run',
          ExpressionAttributeValues: { ':run': runId },
        }),
      );
    } catch (error) {
      // Not (or no longer) this run's claim: nothing to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async reset(datasetId: string, statusOf: RunStatusOf): Promise<Datapool> {
    for (;;) {
      const pool = await this.read(datasetId);
      const live = await this.liveClaim(pool, statusOf);
      if (live !== undefined) throw new DatapoolBusyError(datasetId, live);
      const { bitsKey: _gone, activeRunId: _stale, claimedAt: _at, ...rest } = pool;
      const next: Datapool = {
        ...rest,
        rowCount: 0,
        count: 0,
        newFrom: 0,
        history: [...pool.history, { event: 'RESET', at: new Date().toISOString(), added: 0, count: 0 }],
      };
      const unchanged = this.claimUnchanged(pool);
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(datasetId),
            UpdateExpression: 'SET datasetId = :dataset, rowCount = :zero, #count = :zero, newFrom = :zero, history = :history REMOVE bitsKey, activeRunId, claimedAt',
            ConditionExpression: `(${unchanged.ConditionExpression}) AND (attribute_not_exists(history) OR size(history) = :length)`,
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: {
              ...unchanged.ExpressionAttributeValues,
              ':dataset': datasetId,
              ':zero': 0,
              ':history': next.history,
              ':length': pool.history.length,
            },
          }),
        );
        return next;
      } catch (error) {
        // A run claimed or committed meanwhile: read again.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }
}
