/**
 * Errors of the workflow tasks. The error's `name` is what Step Functions matches in `Retry` and
 * `Catch` (Lambda reports it as `errorType`), so these names are part of the state machine's contract.
 */

/** Worth retrying (S3 or DynamoDB throttled, a network fault): the state machine retries with backoff. */
export class TransientError extends Error {
  override name = 'TransientError';
}

/** The run cannot go on as configured (a key, task or tag missing, a tag name taken): no retry. */
export class SelectionRunError extends Error {
  override name = 'SelectionRunError';
}

/** The run was cancelled while a task ran: the task stops, and MarkFailed leaves it CANCELLED. */
export class RunCancelledError extends Error {
  override name = 'RunCancelledError';
  constructor(runId: string) {
    super(`selection run ${runId} was cancelled`);
  }
}

/** The reason a failed state reports, in words: Lambda sends a JSON cause, the local runner a message. */
export function failureReason(error: { Error?: string; Cause?: unknown } | undefined): string {
  if (!error) return 'unknown error';
  let cause = error.Cause;
  if (typeof cause === 'string') {
    try {
      const parsed = JSON.parse(cause) as { errorMessage?: string };
      if (parsed && typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
    } catch {
      // a plain message
    }
  }
  if (error.Error === 'States.Timeout') return 'a workflow task timed out';
  const text = typeof cause === 'string' && cause.length > 0 ? cause : error.Error ?? 'unknown error';
  return error.Error && !['SelectionRunError', 'Error'].includes(error.Error) && error.Error !== text ? `${error.Error}: ${text}` : text;
}

/** A selection request refused before anything started; `path` names the argument or config field. */
export class ConfigRejectedError extends Error {
  override name = 'ConfigRejectedError';
  constructor(
    message: string,
    readonly path: string,
    readonly code: 'BAD_USER_INPUT' | 'CONFLICT' = 'BAD_USER_INPUT',
    readonly problems: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}
