/** Argument checks shared by resolvers. Each throws a {@link BadUserInputError} naming the argument. */
import { BadUserInputError } from './errors.js';

export const DATASET_NAME_MAX_LENGTH = 128;
export const PAGE_SIZE_MAX = 100;

// Control characters (C0, DEL, C1) make names unprintable in logs and terminals.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** A dataset name: 1–128 characters, not blank, no control characters. Returned as given (not trimmed). */
export function checkDatasetName(name: string, path = 'name'): string {
  if (name.trim().length === 0) throw new BadUserInputError(`${path} must not be empty`, path);
  if ([...name].length > DATASET_NAME_MAX_LENGTH) {
    throw new BadUserInputError(`${path} must be at most ${DATASET_NAME_MAX_LENGTH} characters`, path);
  }
  if (CONTROL_CHARACTERS.test(name)) throw new BadUserInputError(`${path} must not contain control characters`, path);
  return name;
}

/** A page size: 1–`max` (default {@link PAGE_SIZE_MAX}). */
export function checkPageSize(first: number | null | undefined, path = 'first', fallback = 50, max = PAGE_SIZE_MAX): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw new BadUserInputError(`${path} must be an integer from 1 to ${max}`, path);
  }
  return size;
}

export const TAG_NAME_MAX_LENGTH = 128;

/** A tag name: 1–128 characters, no control characters, no leading or trailing whitespace. */
export function checkTagName(name: string, path = 'name'): string {
  if (name.length === 0) throw new BadUserInputError(`${path} must not be empty`, path);
  if ([...name].length > TAG_NAME_MAX_LENGTH) throw new BadUserInputError(`${path} must be at most ${TAG_NAME_MAX_LENGTH} characters`, path);
  if (CONTROL_CHARACTERS.test(name)) throw new BadUserInputError(`${path} must not contain control characters`, path);
  if (name.trim() !== name) throw new BadUserInputError(`${path} must not start or end with whitespace`, path);
  return name;
}

/** A row cursor (opaque to clients): the first row of the next page. */
export function encodeRowCursor(row: number): string {
  return Buffer.from(`row:${row}`).toString('base64url');
}

export function decodeRowCursor(cursor: string | null | undefined, path = 'after'): number {
  if (cursor === null || cursor === undefined) return 0;
  const match = /^row:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new BadUserInputError(`${path} is not a cursor of this listing`, path);
  return Number(match[1]);
}
