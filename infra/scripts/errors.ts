/** Errors of the deployment scripts. */

/** The post-deploy step cannot go on; the message says what to fix. */
export class PostDeployError extends Error {
  override name = 'PostDeployError';
}

/** The deploy preflight cannot read or judge the account; the message says what to fix. */
export class PreflightError extends Error {
  override name = 'PreflightError';
}
