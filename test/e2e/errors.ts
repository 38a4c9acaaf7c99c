/** Errors of the end-to-end suite's setup. */

/** The suite's target is misconfigured or unreachable; the message says what to fix. */
export class E2eTargetError extends Error {
  override name = 'E2eTargetError';
}
