import { InvalidCursorError } from './errors.js';

/** One page of a listing; `nextCursor` is absent on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Cursors are DynamoDB's `LastEvaluatedKey`, opaque to clients (base64url JSON). Decoding checks that
 * the key belongs to the expected partition, so a cursor from one listing cannot page another.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(
  cursor: string | undefined,
  expected: Record<string, string>,
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (typeof key !== 'object' || key === null) throw new InvalidCursorError();
  const record = key as Record<string, unknown>;
  for (const [name, value] of Object.entries(expected)) {
    if (record[name] !== value) throw new InvalidCursorError();
  }
  for (const value of Object.values(record)) {
    if (typeof value !== 'string' && typeof value !== 'number') throw new InvalidCursorError();
  }
  return record;
}
