/**
 * Selection runs: `RUN#<id>` / `META`, listed per dataset through the `gsi1` index
 * (`gsi1pk = DATASETRUNS#<datasetId>`, `gsi1sk = RUN#<createdAt>#<id>`). An idempotency key is claimed
 * with a conditional put (`DATASET#<id>` / `RUNKEY#<key>`), so a retried `startSelection` returns the
 * run it started the first time.
 *
 * Status: QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED. Every change is a conditional update on
 * the current status, so a late worker can never turn a cancelled or failed run back into a running one.
 *
 * A run being deleted with its dataset is marked first (`deletingAt`): from then on it answers
 * NOT_FOUND, while its record stays until its S3 objects are gone, so a retried deletion finds it again.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError, NotFoundError } from './errors.js';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from './pagination.js';
import { queryUseItems } from './datasets.js';
import { TABLE_KEYS, ttlAfterDays } from './table.js';
import { writeTransaction, type TransactItem } from './transactions.js';

/** Days an idempotency key returns its run; after that the key may start a new run. */
export const IDEMPOTENCY_KEY_TTL_DAYS = 7;

export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type RunPhase = 'PLAN' | 'SHARDS' | 'SELECT' | 'DONE';

export const FINAL_STATUSES: readonly RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * Prefixes of a run's S3 objects: what outlives it (`runs/<id>/`) and its intermediates
 * (`runs-work/<id>/`); the workflow names the objects inside them (functions/workflow/results.ts).
 */
export const runObjectPrefixes = (id: string) => [`runs/${id}/`, `runs-work/${id}/`] as const;

export interface DroppedRows {
  readonly reason: string;
  readonly count: number;
}

export interface RunSummary {
  readonly poolSize: number;
  readonly requested: number;
  readonly selected: number;
  readonly preselected: number;
  readonly dropped: readonly DroppedRows[];
  readonly stopReason: string;
  /** What the strategies report about the result (a WEIGHTS sum against its range, BALANCE shares). */
  readonly notes?: readonly string[];
  /** Candidates removed as exact duplicates (the first entries named). */
  readonly duplicates?: { readonly count: number; readonly listed: readonly { readonly fileName?: string; readonly duplicateOfFileName?: string }[] };
  /** A sequence selection's picked sequences (the first entries). */
  readonly sequences?: {
    readonly length: number;
    readonly candidates: number;
    readonly incompleteTailFrames: number;
    readonly picked: readonly { readonly video: string; readonly firstFrame: number; readonly lastFrame: number; readonly fileNames: readonly string[] }[];
  };
}

export interface SelectionRun {
  readonly id: string;
  readonly tenantId: string;
  readonly datasetId: string;
  readonly status: RunStatus;
  readonly phase?: RunPhase;
  /** The config as the user sent it. */
  readonly config: unknown;
  readonly resultTagName: string;
  readonly inputTagName?: string;
  readonly preselectedTagName?: string;
  /** A datapool run (store/datapool.ts); `processAll`: every sample outside the pool is a candidate. */
  readonly datapool?: { readonly processAll: boolean };
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly executionArn?: string;
  /** The dataset version the run reads, pinned by the plan (appends during a run do not change it). */
  readonly manifestKey?: string;
  readonly shardsTotal?: number;
  /** Derived from the set of finished shard indices. */
  readonly shardsDone?: number;
  readonly picksSoFar?: number;
  readonly failureReason?: string;
  readonly summary?: RunSummary;
  /** Milliseconds per phase. */
  readonly timings?: Readonly<Record<string, number>>;
  /** Each task invocation's time and peak memory, keyed by {@link taskTimingKey} (`plan`, `shard#3`, `select#0`). */
  readonly taskTimings?: Readonly<Record<string, TaskTiming>>;
}

/**
 * One workflow task invocation, measured around the task (functions/workflow/taskList.ts): its wall time
 * and the peak resident memory of the process that ran it. On a warm Lambda, or in the local runtime's
 * threads, that peak is the process's since it started: an upper bound of the task's own.
 */
export interface TaskTiming {
  readonly task: string;
  /** The shard a Shard task worked on. */
  readonly shard?: number;
  /** Which Select invocation of the run, from 0 (the state machine calls Select until the picks are done). */
  readonly hop?: number;
  readonly milliseconds: number;
  readonly peakRssMb: number;
}

/** Where a task's entry is kept: one per shard and per Select hop, so a retried task overwrites its own. */
export function taskTimingKey(timing: Pick<TaskTiming, 'task' | 'shard' | 'hop'>): string {
  if (timing.shard !== undefined) return `${timing.task}#${timing.shard}`;
  if (timing.hop !== undefined) return `${timing.task}#${timing.hop}`;
  return timing.task;
}

export interface RunRepository {
  /**
   * Creates a QUEUED run; with an idempotency key already used on the dataset, returns that run instead.
   * The run, its key and the records of the datasets it reads as queries (`queryDatasetIds`, see
   * {@link queryUseItems}) are written in one transaction: all or none. Throws
   * {@link ConcurrentUpdateError} (`CONFLICT`) when a query dataset is gone or being deleted meanwhile.
   */
  create(run: SelectionRun, idempotencyKey?: string, queryDatasetIds?: readonly string[], alsoWrite?: readonly GuardedItem[]): Promise<{ run: SelectionRun; created: boolean }>;
  /** The run an idempotency key of the dataset started, if any. */
  findByIdempotencyKey(datasetId: string, idempotencyKey: string): Promise<SelectionRun | undefined>;
  get(id: string): Promise<SelectionRun>;
  listForDataset(datasetId: string, page: PageRequest): Promise<Page<SelectionRun>>;
  /**
   * Sets fields if the run's status is one of `from`; throws {@link ConcurrentUpdateError} otherwise.
   */
  update(id: string, from: readonly RunStatus[], fields: Partial<Omit<SelectionRun, 'id' | 'tenantId' | 'datasetId'>>): Promise<SelectionRun>;
  /**
   * {@link update} and `alsoWrite` in one transaction: all or none. Throws {@link ConcurrentUpdateError}
   * when the run's status is not one of `from` (checked first), else the failed item's own error.
   */
  updateWith(id: string, from: readonly RunStatus[], fields: RunFields, alsoWrite: readonly GuardedItem[]): Promise<void>;
  /**
   * Records that a shard is done. Idempotent (a set of shard indices), so a retried shard task counts
   * once; `shardsDone` is the size of that set.
   */
  markShardDone(id: string, shard: number): Promise<void>;
  /**
   * Records a task invocation's time and peak memory under {@link taskTimingKey}, whatever the run's
   * status (Finish's entry comes after SUCCEEDED). Idempotent: a retried task overwrites its entry. A
   * run that no longer exists records nothing.
   */
  recordTaskTiming(id: string, timing: TaskTiming): Promise<void>;
  /** Hides the run (NOT_FOUND from then on) ahead of deleting its objects; idempotent. */
  markDeleting(id: string): Promise<void>;
  /** Deletes the run's record: the last step of deleting a run. */
  remove(id: string): Promise<void>;
  /** Every run, of any dataset, that is QUEUED or RUNNING (a scan: for the local runtime's start). */
  listUnfinished(): Promise<SelectionRun[]>;
}

/** The fields an update may set. */
export type RunFields = Partial<Omit<SelectionRun, 'id' | 'tenantId' | 'datasetId'>>;

/** An item written in a run's transaction, with the error when its condition fails. */
export interface GuardedItem {
  readonly item: TransactItem;
  readonly conflict: () => Error;
}

const runKey = (id: string) => ({ pk: `RUN#${id}`, sk: 'META' });

/** The update of {@link RunRepository.update}: set `fields` if the status is one of `from`. */
function runUpdate(tableName: string, id: string, from: readonly RunStatus[], fields: RunFields) {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  from.forEach((status, i) => (values[`:from${i}`] = status));
  return {
    TableName: tableName,
    Key: runKey(id),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

function toRun(item: Record<string, unknown>): SelectionRun {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, shardsCompleted, deletingAt: _deleting, ...run } = item;
  const done = shardsCompleted instanceof Set ? shardsCompleted.size : 0;
  return { ...(run as unknown as SelectionRun), shardsDone: done };
}

export class DynamoRunRepository implements RunRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(run: SelectionRun, idempotencyKey?: string, queryDatasetIds: readonly string[] = [], alsoWrite: readonly GuardedItem[] = []): Promise<{ run: SelectionRun; created: boolean }> {
    const keyItem = { pk: `DATASET#${run.datasetId}`, sk: `RUNKEY#${idempotencyKey}` };
    const items: TransactItem[] = [
      ...(idempotencyKey !== undefined
        ? [{ Put: { TableName: this.tableName, Item: { ...keyItem, runId: run.id, [TABLE_KEYS.ttl]: ttlAfterDays(IDEMPOTENCY_KEY_TTL_DAYS) }, ConditionExpression: 'attribute_not_exists(pk)' } }]
        : []),
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...runKey(run.id),
            [TABLE_KEYS.gsi1.partitionKey]: `DATASETRUNS#${run.datasetId}`,
            [TABLE_KEYS.gsi1.sortKey]: `RUN#${run.createdAt}#${run.id}`,
            ...run,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...queryDatasetIds.flatMap((datasetId) => queryUseItems(this.tableName, datasetId, run.id)),
    ];
    const guardedFrom = items.length;
    items.push(...alsoWrite.map((guarded) => guarded.item));
    const keyTaken = new Error('idempotency key taken');
    try {
      await writeTransaction(this.client, items, {
        conflict: (failed) => {
          // A used key answers with its run whatever else failed: a repeated request is no conflict.
          if (idempotencyKey !== undefined && failed.includes(0)) return keyTaken;
          const guarded = failed.find((index) => index >= guardedFrom);
          if (guarded !== undefined && failed.every((index) => index >= guardedFrom)) return alsoWrite[guarded - guardedFrom]!.conflict();
          const check = items[failed[0] ?? -1]?.ConditionCheck;
          const datasetId = typeof check?.Key?.pk === 'string' ? check.Key.pk.replace(/^DATASET#/, '') : run.datasetId;
          return new ConcurrentUpdateError('dataset', datasetId);
        },
      });
    } catch (error) {
      if (error !== keyTaken) throw error;
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keyItem, ConsistentRead: true }));
      return { run: await this.get(Item!.runId as string), created: false };
    }
    return { run, created: true };
  }

  async findByIdempotencyKey(datasetId: string, idempotencyKey: string): Promise<SelectionRun | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `DATASET#${datasetId}`, sk: `RUNKEY#${idempotencyKey}` }, ConsistentRead: true }),
    );
    return Item ? this.get(Item.runId as string) : undefined;
  }

  async get(id: string): Promise<SelectionRun> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: runKey(id), ConsistentRead: true }));
    if (!Item || Item.deletingAt !== undefined) throw new NotFoundError('selection run', id);
    return toRun(Item);
  }

  async listForDataset(datasetId: string, { limit, cursor }: PageRequest): Promise<Page<SelectionRun>> {
    const { gsi1 } = TABLE_KEYS;
    const partition = `DATASETRUNS#${datasetId}`;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: gsi1.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': gsi1.partitionKey },
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, { [gsi1.partitionKey]: partition }),
      }),
    );
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return { items: (result.Items ?? []).map(toRun), ...(nextCursor ? { nextCursor } : {}) };
  }

  async update(id: string, from: readonly RunStatus[], fields: RunFields): Promise<SelectionRun> {
    try {
      const { Attributes } = await this.client.send(new UpdateCommand({ ...runUpdate(this.tableName, id, from, fields), ReturnValues: 'ALL_NEW' }));
      return toRun(Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError('selection run', id);
      throw error;
    }
  }

  async updateWith(id: string, from: readonly RunStatus[], fields: RunFields, alsoWrite: readonly GuardedItem[]): Promise<void> {
    await writeTransaction(this.client, [{ Update: runUpdate(this.tableName, id, from, fields) }, ...alsoWrite.map((guarded) => guarded.item)], {
      conflict: (failed) => {
        const first = failed[0];
        if (first === undefined || first === 0) return new ConcurrentUpdateError('selection run', id);
        return alsoWrite[first - 1]!.conflict();
      },
    });
  }

  async markShardDone(id: string, shard: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(id),
        UpdateExpression: 'ADD shardsCompleted :shard',
        ExpressionAttributeValues: { ':shard': new Set([shard]) },
      }),
    );
  }

  async recordTaskTiming(id: string, timing: TaskTiming): Promise<void> {
    const key = taskTimingKey(timing);
    const exists = 'attribute_exists(pk) AND attribute_not_exists(deletingAt)';
    const send = (condition: string, update: string, names: Record<string, string>, values: Record<string, unknown>) =>
      this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: runKey(id), UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
      );
    const conditionFailed = (error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    };
    // A map entry can only be set inside an existing map: the first entry creates the map, and a task
    // that loses that race sets its entry in the map the winner created.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return void (await send(`${exists} AND attribute_exists(#timings)`, 'SET #timings.#key = :timing', { '#timings': 'taskTimings', '#key': key }, { ':timing': timing }));
      } catch (error) {
        conditionFailed(error);
      }
      try {
        return void (await send(`${exists} AND attribute_not_exists(#timings)`, 'SET #timings = :map', { '#timings': 'taskTimings' }, { ':map': { [key]: timing } }));
      } catch (error) {
        conditionFailed(error);
      }
    }
    // Both conditions failed twice: the run is gone (or being deleted), so there is nothing to record on.
  }

  async markDeleting(id: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(id),
          UpdateExpression: 'SET deletingAt = if_not_exists(deletingAt, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': new Date().toISOString() },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError('selection run', id);
      throw error;
    }
  }

  async listUnfinished(): Promise<SelectionRun[]> {
    const found: SelectionRun[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :run) AND sk = :meta AND #status IN (:queued, :running) AND attribute_not_exists(deletingAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':run': 'RUN#', ':meta': 'META', ':queued': 'QUEUED', ':running': 'RUNNING' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      found.push(...(page.Items ?? []).map(toRun));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  async remove(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: runKey(id) }));
  }
}
