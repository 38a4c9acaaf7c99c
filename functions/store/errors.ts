/** Errors raised by the persistence layer; the API maps each to a stable GraphQL error code. */

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
    super(`${kind} '${id}' not found`);
  }
}

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
