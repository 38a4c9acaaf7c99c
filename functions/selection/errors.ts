/**
 * Errors of the selection engine, one class per kind of fault, all under {@link SelectionError} so a
 * caller can catch the engine's faults apart from bugs. Config faults carry the JSON path of each field
 * at fault; syntax faults the line and column.
 *
 * The classes repeat one shape on purpose (a class per fault, its `name` set): callers tell faults apart
 * by class or by `name` (Step Functions, GraphQL codes), which a shared factory would hide from tsc.
 */

export interface ConfigIssue {
  /** JSON path of the fault, e.g. `strategies[1].strategy.threshold` (empty for the whole config). */
  readonly path: string;
  readonly message: string;
}

const describeIssues = (issues: readonly ConfigIssue[]) => issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');

/** Base class: a fault in what the engine was given (never a bug of the engine). */
export abstract class SelectionError extends Error {
  override name = 'SelectionError';
}

/** The config text is not JSON with comments (jsonc.ts); `line` and `column` are 1-based. */
export class JsoncSyntaxError extends SelectionError {
  override name = 'JsoncSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/** The config is malformed (wrong shape, unknown key, bad value, impossible pairing). */
export class SelectionConfigError extends SelectionError {
  override name = 'SelectionConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(describeIssues(issues));
  }
}

/** The config does not fit the dataset (a key, task, score, query tag or column that is not there). */
export class SelectionInputError extends SelectionError {
  override name = 'SelectionInputError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(describeIssues(issues));
  }
}
