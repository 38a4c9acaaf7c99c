/** Errors of the deployment scripts. */

/** The post-deploy step cannot go on; the message says what to fix. */
export class PostDeployError extends Error {
  override name = 'PostDeployError';
}
