/** Errors of the selection engine. Each names the JSON path of the config field at fault. */

export interface ConfigIssue {
  /** JSON path of the fault, e.g. `strategies[1].strategy.threshold` (empty for the whole config). */
  readonly path: string;
  readonly message: string;
}

/** The config is malformed (wrong shape, unknown key, bad value, impossible pairing). */
export class SelectionConfigError extends Error {
  override name = 'SelectionConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
  }
}

/** The config does not fit the dataset (a key, task, score or query tag that is not there). */
export class SelectionInputError extends Error {
  override name = 'SelectionInputError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
  }
}
