/** Errors of report generation. A report failure never fails the run: the workflow notes it instead. */

/** The report could not be computed or stored; the message says which stage failed and why. */
export class ReportGenerationError extends Error {
  override name = 'ReportGenerationError';
  constructor(stage: 'computing the figures' | 'storing the report', cause: unknown) {
    super(`${stage} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
