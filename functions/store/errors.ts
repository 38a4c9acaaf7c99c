/**
 * Errors raised by the persistence layer; the API maps each to a stable GraphQL error code.
 *
 * The classes repeat one shape on purpose (a class per fault, its `name` set): callers tell faults apart
 * by class or by `name` (Step Functions, GraphQL codes), which a shared factory would hide from tsc.
 */

/**
 * Worth retrying (S3 or DynamoDB throttled, a 5xx, a network fault, after the SDK's own retries): the
 * state machine retries it with backoff. Its `name` is what Step Functions matches in `Retry`, so it is
 * part of the state machine's contract (functions/workflow/errors.ts re-exports it for the workflow).
 */
export class TransientError extends Error {
  override name = 'TransientError';
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/** The object does not exist (or is not visible to the caller). */
export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} '${id}' not found${kind === 'dataset' && !UUID.test(id) ? ": an argument datasetId takes the dataset's id (a UUID, as createDataset and datasets give it), not its name" : ''}`);
  }
}

/** The shape of the ids the stores give datasets. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uniqueness condition failed: the name or id is taken. */
export class AlreadyExistsError extends StoreError {
  override name = 'AlreadyExistsError';
  constructor(
    readonly kind: string,
    readonly key: string,
  ) {
    super(`${kind} '${key}' already exists`);
  }
}

/** A pagination cursor that this store did not issue (or that belongs to another listing). */
export class InvalidCursorError extends StoreError {
  override name = 'InvalidCursorError';
  constructor() {
    super('the cursor is not valid for this listing');
  }
}

/** A conditional update lost a race: the object changed since it was read. */
export class ConcurrentUpdateError extends StoreError {
  override name = 'ConcurrentUpdateError';
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} '${id}' was changed by another request; try again`);
  }
}

/** Some objects of a batch delete were refused (S3 answers 200 and lists them). */
export class BatchDeleteError extends StoreError {
  override name = 'BatchDeleteError';
  constructor(readonly failures: readonly { readonly key: string; readonly code: string }[]) {
    super(`could not delete ${failures.length} object(s), e.g. '${failures[0]?.key}': ${failures[0]?.code}`);
  }
}

/** The dataset cannot be deleted now: selections on it are still queued or running. */
export class DatasetInUseError extends StoreError {
  override name = 'DatasetInUseError';
  constructor(
    readonly datasetId: string,
    readonly runIds: readonly string[],
    /** Selections of other datasets that read this one's embeddings as SIMILARITY queries. */
    readonly queryRunIds: readonly string[] = [],
  ) {
    const reasons = [
      ...(runIds.length > 0 ? [`has ${runIds.length} selection(s) queued or running (${runIds.join(', ')})`] : []),
      ...(queryRunIds.length > 0 ? [`is the SIMILARITY query dataset of ${queryRunIds.length} selection(s) queued or running (${queryRunIds.join(', ')})`] : []),
    ];
    super(`dataset '${datasetId}' ${reasons.join(' and ')}; cancel them or wait for them to finish`);
  }
}
