/**
 * What can go wrong in the client commands, as named errors. `main` prints `err.message` and exits 1, so
 * every message says what failed, where, and what to do about it.
 *
 * The classes repeat one shape on purpose (a class per fault, its `name` set): callers tell faults apart
 * by class or by `name` (Step Functions, GraphQL codes), which a shared factory would hide from tsc.
 */

/** Neither `winnow login` nor `WINNOW_API_URL` / `WINNOW_API_KEY` gave the API's URL or key. */
export class NotLoggedInError extends Error {
  override name = 'NotLoggedInError';
  constructor(missing: string, configFile: string) {
    super(`no ${missing} configured: run "winnow login --url URL" (saves ${configFile}) or set WINNOW_API_URL and WINNOW_API_KEY`);
  }
}

/** The login file exists but cannot be used. */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

/** No answer from the API: connection refused, unknown host, timeout. */
export class ApiUnreachableError extends Error {
  override name = 'ApiUnreachableError';
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`cannot reach the Winnow API at ${url}: ${reason} (is the server running, and is the URL right? see "winnow login" or WINNOW_API_URL)`);
  }
}

/** HTTP 401: the key is unknown or revoked. */
export class ApiKeyRejectedError extends Error {
  override name = 'ApiKeyRejectedError';
  constructor(url: string, detail: string) {
    super(`the API key was refused by ${url} (HTTP 401, UNAUTHENTICATED: ${detail}); run "winnow login" with a valid key or set WINNOW_API_KEY`);
  }
}

/** A GraphQL error from the API, with its stable `extensions.code`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly code: string,
    /** `extensions.path`: the argument (or config field) at fault. */
    readonly argumentPath: string | undefined,
    readonly extensions: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

/** The URL answers, but not as a GraphQL API (a wrong path, a proxy page). */
export class NotAnApiError extends Error {
  override name = 'NotAnApiError';
  constructor(url: string, status: number, body: string) {
    const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, 160);
    super(`${url} did not answer as a GraphQL API (HTTP ${status}${excerpt ? `: ${excerpt}` : ''}); the URL usually ends in /graphql`);
  }
}

/** A name (dataset, tag) that the caller has no object of. */
export class NameNotFoundError extends Error {
  override name = 'NameNotFoundError';
}

/** A presigned transfer (upload PUT, download GET) failed. */
export class TransferError extends Error {
  override name = 'TransferError';
}

/** The server refused an upload at commit: nothing was added. */
export class UploadRejectedError extends Error {
  override name = 'UploadRejectedError';
}

/** A selection run ended FAILED or CANCELLED. */
export class RunNotSucceededError extends Error {
  override name = 'RunNotSucceededError';
}

/** The run has no report (not finished, or the server made none). */
export class ReportUnavailableError extends Error {
  override name = 'ReportUnavailableError';
}
