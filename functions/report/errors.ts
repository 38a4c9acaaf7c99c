/** Errors of report generation. A report failure never fails the run: the workflow notes it instead. */

/** The report could not be computed or stored; the message says which part and why. */
export class ReportGenerationError extends Error {
  override name = 'ReportGenerationError';
  constructor(part: string, cause: unknown) {
    super(`the report's ${part} could not be generated: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
