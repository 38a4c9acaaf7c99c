/**
 * GraphQL over HTTP for the client, through graphql-request, with every failure turned into an error that
 * says what happened in the user's terms: unreachable server, refused key, GraphQL error code and path.
 */
import { ClientError, GraphQLClient } from 'graphql-request';
import { ApiError, ApiKeyRejectedError, ApiUnreachableError, NotAnApiError } from '../errors.js';
import type { ApiTarget } from './config.js';

/** How long one GraphQL request may take before the client gives up (override: `WINNOW_TIMEOUT_MS`). */
const DEFAULT_TIMEOUT_MS = 60_000;

export interface GraphqlTransport {
  readonly url: string;
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export function createTransport(target: ApiTarget, env: NodeJS.ProcessEnv = process.env): GraphqlTransport {
  const timeoutMs = Number(env.WINNOW_TIMEOUT_MS) > 0 ? Number(env.WINNOW_TIMEOUT_MS) : DEFAULT_TIMEOUT_MS;
  const client = new GraphQLClient(target.url, {
    headers: { authorization: `Bearer ${target.key}` },
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  });
  return {
    url: target.url,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      try {
        return await client.request<T>(query, variables);
      } catch (err) {
        throw describeFailure(err, target.url, timeoutMs);
      }
    },
  };
}

interface WireError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** One line per GraphQL error: message, code, the argument at fault, file and line of an upload. */
export function formatGraphqlError(error: WireError): string {
  const ext = error.extensions ?? {};
  const details = [typeof ext.code === 'string' ? ext.code : 'ERROR'];
  if (typeof ext.path === 'string') details.push(`at ${ext.path}`);
  else if (error.path?.length) details.push(`in ${error.path.join('.')}`);
  if (typeof ext.file === 'string') details.push(`file ${ext.file}${typeof ext.line === 'number' ? `:${ext.line}` : ''}`);
  const problems = Array.isArray(ext.problems)
    ? (ext.problems as { path?: unknown; message?: unknown }[]).map((p) => `\n  ${String(p.path)}: ${String(p.message)}`).join('')
    : '';
  return `${error.message} [${details.join(', ')}]${problems}`;
}

function networkReason(err: unknown, timeoutMs: number): string | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const cause = (err as { cause?: unknown }).cause as (Error & { code?: string }) | undefined;
  if (err instanceof TypeError && err.message === 'fetch failed') {
    const code = cause?.code ?? (cause as { errors?: { code?: string }[] } | undefined)?.errors?.[0]?.code;
    const reasons: Record<string, string> = {
      ECONNREFUSED: 'connection refused',
      ENOTFOUND: 'unknown host',
      EAI_AGAIN: 'the host name could not be resolved',
      ETIMEDOUT: 'the connection timed out',
      ECONNRESET: 'the connection was reset',
      EHOSTUNREACH: 'the host is unreachable',
    };
    return (code && reasons[code]) ?? cause?.message ?? 'the request failed';
  }
  return undefined;
}

function describeFailure(err: unknown, url: string, timeoutMs: number): Error {
  const unreachable = networkReason(err, timeoutMs);
  if (unreachable) return new ApiUnreachableError(url, unreachable);
  if (err instanceof ClientError) {
    const { status, errors, body } = err.response;
    if (status === 401) return new ApiKeyRejectedError(url, errors?.[0]?.message ?? 'no valid API key');
    if (errors?.length) {
      const first = errors[0]!;
      const ext = (first.extensions ?? {}) as Record<string, unknown>;
      const message = errors.map((e) => formatGraphqlError(e)).join('\n');
      return new ApiError(message, typeof ext.code === 'string' ? ext.code : 'ERROR', typeof ext.path === 'string' ? ext.path : undefined, ext);
    }
    return new NotAnApiError(url, status, typeof body === 'string' ? body : '');
  }
  // graphql-request throws a plain Error when the body is not JSON (an HTML page, a proxy's answer).
  if (err instanceof Error && /Invalid JSON|Unexpected token|not valid JSON/i.test(err.message)) return new NotAnApiError(url, 0, err.message);
  return err instanceof Error ? err : new Error(String(err));
}
