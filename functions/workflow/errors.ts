/**
 * Errors of the workflow tasks. The error's `name` is what Step Functions matches in `Retry` and
 * `Catch` (Lambda reports it as `errorType`), so these names are part of the state machine's contract.
 */

/** Worth retrying (S3 or DynamoDB throttled, a network fault): the state machine retries with backoff. */
export { TransientError } from '../store/errors.js';

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

/**
 * Errors by which Lambda reports that a task's process ran out of memory or time (or died): a
 * deterministic OOM would only repeat, so the state machine does not retry them (infra/workflow.ts).
 */
export const RESOURCE_EXHAUSTED_ERRORS = ['Lambda.Unknown', 'Runtime.OutOfMemory', 'Runtime.ExitError', 'Sandbox.Timedout', 'States.Timeout'] as const;

/** The task a Catch names (set by the state machine), with the memory and time it had. */
export interface FailedTask {
  readonly state: string;
  readonly shard?: number;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
}

function causeText(cause: unknown): string | undefined {
  if (typeof cause === 'string') {
    try {
      const parsed = JSON.parse(cause) as { errorMessage?: string };
      if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
    } catch {
      // a plain message
    }
    return cause.length > 0 ? cause : undefined;
  }
  return undefined;
}

/**
 * The reason a failed state reports, in words: Lambda sends a JSON cause, the local runner a message.
 * Out of memory or time, the reason names the task and what it had, and what to change.
 */
export function failureReason(error: { Error?: string; Cause?: unknown } | undefined, task?: FailedTask): string {
  if (!error) return 'unknown error';
  const where = task ? `${task.state}${task.shard !== undefined ? ` (shard ${task.shard})` : ''}` : 'a workflow task';
  const memory = task?.memoryMb !== undefined ? `${task.memoryMb.toLocaleString('en-US')} MB of memory` : 'its memory';
  const time = task?.timeoutSeconds !== undefined ? `its ${task.timeoutSeconds.toLocaleString('en-US')}-second limit` : 'its time limit';
  const cause = causeText(error.Cause);
  const detail = cause ? ` (${error.Error}: ${cause})` : '';
  switch (error.Error) {
    case 'States.Timeout':
    case 'Sandbox.Timedout':
      return `${where} timed out: it ran past ${time}${detail}`;
    case 'Runtime.OutOfMemory':
      return `${where} ran out of memory: it had ${memory}${detail}; deploy with more memory, or select on fewer rows`;
    case 'Lambda.Unknown':
    case 'Runtime.ExitError':
      return `${where} ended without an answer, most likely out of memory (it had ${memory}) or time (${time})${detail}`;
  }
  const text = cause ?? error.Error ?? 'unknown error';
  const prefix = task?.shard !== undefined ? `shard ${task.shard}: ` : '';
  return prefix + (error.Error && !['SelectionRunError', 'Error'].includes(error.Error) && error.Error !== text ? `${error.Error}: ${text}` : text);
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
