/**
 * The API's error model. Every error a client sees is a GraphQL error with a stable `extensions.code`:
 *
 * | code | when |
 * |---|---|
 * | `BAD_USER_INPUT` | an argument is invalid; `extensions.path` names it (e.g. `name`, `config.strategies[0]`) |
 * | `NOT_FOUND` | the object does not exist or belongs to another tenant |
 * | `CONFLICT` | a name is taken, the object changed meanwhile, or a dataset to delete has selections running |
 * | `INTERNAL_SERVER_ERROR` | anything unexpected; logged with the request id, returned without internals |
 *
 * Resolvers throw store or domain errors; {@link formatError} maps them, so no resolver builds a
 * GraphQLError by hand and no stack trace leaves the API.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { currentRequestId, jsonLogger } from './requestLog.js';
import { ImageDecodeError, UploadStateError, UploadValidationError } from '../ingest/errors.js';
import { FormatError } from '../formats/errors.js';
import { ConfigRejectedError } from '../workflow/errors.js';
import { DatapoolBusyError } from '../store/datapool.js';
import { AlreadyExistsError, ConcurrentUpdateError, DatasetInUseError, InvalidCursorError, NotFoundError } from '../store/errors.js';

export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'INTERNAL_SERVER_ERROR';

/** An invalid argument: `path` names the argument, and inside it the field (`config.strategies[0].input`). */
export class BadUserInputError extends GraphQLError {
  constructor(message: string, path: string) {
    super(message, { extensions: { code: 'BAD_USER_INPUT', path } });
  }
}

interface KnownError {
  code: ErrorCode;
  message: string;
  path?: string;
  file?: string;
  line?: number;
  problems?: readonly { path: string; message: string }[];
}

function codeOf(error: unknown): KnownError | undefined {
  if (error instanceof UploadValidationError) return { code: 'BAD_USER_INPUT', message: error.message, ...error.location };
  if (error instanceof FormatError) {
    return {
      code: 'BAD_USER_INPUT',
      message: error.message,
      file: error.file,
      ...(error.line !== undefined ? { line: error.line } : {}),
      ...(error.path !== undefined ? { path: error.path } : {}),
    };
  }
  if (error instanceof ImageDecodeError) return { code: 'BAD_USER_INPUT', message: error.message, file: error.fileName };
  if (error instanceof UploadStateError) return { code: 'CONFLICT', message: error.message };
  if (error instanceof ConfigRejectedError) {
    return { code: error.code, message: error.message, path: error.path, ...(error.problems.length > 1 ? { problems: error.problems } : {}) };
  }
  if (error instanceof NotFoundError) return { code: 'NOT_FOUND', message: error.message };
  if (error instanceof AlreadyExistsError) return { code: 'CONFLICT', message: error.message };
  if (error instanceof ConcurrentUpdateError) return { code: 'CONFLICT', message: error.message };
  if (error instanceof DatasetInUseError) return { code: 'CONFLICT', message: error.message };
  if (error instanceof DatapoolBusyError) return { code: 'CONFLICT', message: error.message };
  if (error instanceof InvalidCursorError) return { code: 'BAD_USER_INPUT', message: error.message, path: 'after' };
  return undefined;
}

/** Codes that Apollo itself assigns to request-level faults; their messages are safe to show. */
const APOLLO_CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'QUERY_TOO_COMPLEX',
  'UNAUTHENTICATED',
]);

export type ErrorLogger = (entry: Record<string, unknown>) => void;

/** Unexpected errors go to the structured log with the request's id. */
export const jsonErrorLogger: ErrorLogger = (entry) => jsonLogger({ level: 'error', msg: 'unexpected error', ...entry });

/** Apollo `formatError`: maps known errors to their code, hides everything else. */
export function createFormatError(log: ErrorLogger = jsonErrorLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const known = codeOf(original);
    const base = { message: formatted.message, ...(formatted.path ? { path: formatted.path } : {}) };
    if (known) {
      const { code, message, ...where } = known;
      return { ...base, message, extensions: { code, ...where } };
    }
    const code = formatted.extensions?.code;
    if (original instanceof GraphQLError && typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      // Deliberate GraphQL errors (ours and Apollo's request validation): keep code and message, drop
      // anything else Apollo attached (stack traces, exception details).
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...base, extensions: { ...extensions, code } };
    }
    if (typeof code === 'string' && APOLLO_CLIENT_CODES.has(code)) {
      return { ...base, extensions: { code } };
    }
    const errorId = crypto.randomUUID();
    log({
      level: 'error',
      msg: 'unexpected error',
      requestId: currentRequestId(),
      errorId,
      error: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original),
    });
    return {
      message: `internal error (id ${errorId})`,
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
    };
  };
}
