/**
 * The selection engine as the CLI uses it: parse a config file (JSONC), run it over a source, describe
 * the result. Commands depend on this interface, so their plumbing is testable on its own.
 */
import type { SelectionSource } from '../selection/types.js';

export interface ConfigProblem {
  /** JSON path of the fault, e.g. `$.strategies[0].strategy.type`. */
  readonly path: string;
  readonly message: string;
}

export interface EnginePick {
  readonly row: number;
  readonly [key: string]: unknown;
}

export interface EngineResult {
  /** Selected rows (images), in pick order. */
  readonly rows: readonly number[];
  readonly picks: readonly EnginePick[];
  readonly summary: unknown;
}

export interface SelectionEngine {
  parseConfig(text: string, file: string): { ok: true; config: unknown } | { ok: false; errors: readonly ConfigProblem[] };
  run(config: unknown, source: SelectionSource, options: { inputRows?: Int32Array; preselectedRows?: Int32Array }): EngineResult;
  /** A one-line summary of a result for humans. */
  describe(result: EngineResult, rowCount: number): string;
}

const ENGINE_MODULE = '../selection/index.js';

export async function loadEngine(): Promise<SelectionEngine> {
  await import(ENGINE_MODULE);
  throw new Error('the selection engine is not available yet');
}
