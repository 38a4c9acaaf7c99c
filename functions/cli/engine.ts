/**
 * The selection engine as the CLI uses it: parse a config file (JSONC), run it over a source, describe
 * the result. Commands depend on this interface, so their plumbing is testable on its own.
 */
import {
  JsoncSyntaxError,
  parseJsonc,
  parseSelectionConfig,
  runSelection,
  SelectionConfigError,
  SelectionInputError,
  type ConfigIssue,
  type SelectionConfig,
  type SelectionSummary,
} from '../selection/index.js';
import type { SelectionSource } from '../selection/types.js';
import { engineKernels } from '../kernels/engine.js';

export interface ConfigProblem {
  /** JSON path of the fault, e.g. `$.strategies[0].strategy.type`. */
  readonly path: string;
  readonly message: string;
}

/** One pick as the engine explains it; the CLI adds the file name and writes the rest as it is. */
export interface EnginePick {
  readonly row: number;
}

export interface EngineResult {
  /** Selected rows (images), in pick order. */
  readonly rows: readonly number[];
  readonly picks: readonly EnginePick[];
  readonly summary: unknown;
}

export interface SelectionEngine {
  parseConfig(text: string, file: string): { ok: true; config: unknown } | { ok: false; errors: readonly ConfigProblem[] };
  run(config: unknown, source: SelectionSource, options: { inputRows?: Int32Array; preselectedRows?: Int32Array; corruptRows?: ReadonlyMap<number, string> }): EngineResult;
  /** A one-line summary of a result for humans. */
  describe(result: EngineResult, rowCount: number): string;
}

function formatSummary(result: EngineResult, rowCount: number): string {
  const summary = result.summary as Partial<SelectionSummary>;
  const parts = [`selected ${summary.selected ?? result.rows.length} of ${rowCount} samples`];
  if (summary.poolSize !== undefined && summary.poolSize !== rowCount) parts.push(`pool ${summary.poolSize}`);
  if (summary.preselected) parts.push(`${summary.preselected} preselected`);
  for (const d of summary.dropped ?? []) parts.push(`dropped ${d.count}: ${d.reason}`);
  if (summary.stopReason && summary.stopReason !== 'TARGET_REACHED') {
    parts.push(`stopped early (${summary.stopReason}) with ${summary.selected} of ${summary.requested} requested`);
  }
  return parts.join('; ');
}

const issues = (list: readonly ConfigIssue[]): ConfigProblem[] => list.map((i) => ({ path: i.path === '' ? '$' : `$.${i.path}`, message: i.message }));

/** The engine of functions/selection, behind the CLI's interface. */
export const selectionEngine: SelectionEngine = {
  parseConfig(text, file) {
    let raw: unknown;
    try {
      raw = parseJsonc(text, file);
    } catch (err) {
      if (err instanceof JsoncSyntaxError) return { ok: false, errors: [{ path: `line ${err.line}, column ${err.column}`, message: err.reason }] };
      throw err;
    }
    const parsed = parseSelectionConfig(raw);
    return parsed.ok ? { ok: true, config: parsed.config } : { ok: false, errors: issues(parsed.issues) };
  },
  run(config, source, options) {
    try {
      // Exact duplicates are removed unless the config says otherwise, as the service does.
      const result = runSelection(config as SelectionConfig, source, { removeExactDuplicates: true, ...options, kernels: engineKernels() });
      return { rows: result.rows, picks: result.picks, summary: result.summary };
    } catch (err) {
      if (err instanceof SelectionInputError || err instanceof SelectionConfigError) throw new ConfigMismatchError(issues(err.issues));
      throw err;
    }
  },
  describe: formatSummary,
};

/** The config does not fit the data (a task, key, score or query tag that is not there). */
export class ConfigMismatchError extends Error {
  override name = 'ConfigMismatchError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
}

export function loadEngine(): Promise<SelectionEngine> {
  return Promise.resolve(selectionEngine);
}
