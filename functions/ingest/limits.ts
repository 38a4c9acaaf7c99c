/**
 * How long a commit may run. A module of its own, without dependencies, so that the infrastructure code
 * reads the same numbers as the functions.
 */

/** The longest a commit runs: the commit Lambda's timeout (`infra/stack.ts`). */
export const COMMIT_TIMEOUT_MINUTES = 15;

/**
 * A commit that began longer ago than this has died (no commit runs longer), and its upload may be
 * committed again: a killed process (a timeout, memory exhausted) cannot put it back to PENDING.
 */
export const COMMIT_LEASE_MS = (COMMIT_TIMEOUT_MINUTES + 1) * 60_000;
