/**
 * Checks a config before it is sent, with the engine's own rules: the same JSONC reader and the same zod
 * parsing (functions/selection) that the API runs, bundled into the page. What the API checks beyond
 * them (keys, tasks and tags of the dataset) comes back from `startSelection` with its path.
 */
import { parseSelectionConfig } from '../../functions/selection/config.js';
import { JsoncSyntaxError } from '../../functions/selection/errors.js';
import { parseJsonc } from '../../functions/selection/jsonc.js';

export interface ConfigProblem {
  /** JSON path in the API's spelling (`config.strategies[0].strategy.type`), or a line and column for syntax. */
  readonly at: string;
  readonly message: string;
}

export type ConfigCheck = { ok: true; config: unknown } | { ok: false; problems: ConfigProblem[] };

export function checkConfigText(text: string): ConfigCheck {
  let raw: unknown;
  try {
    raw = parseJsonc(text, 'config');
  } catch (error) {
    if (error instanceof JsoncSyntaxError) return { ok: false, problems: [{ at: `line ${error.line}, column ${error.column}`, message: error.reason }] };
    throw error;
  }
  const parsed = parseSelectionConfig(raw);
  if (parsed.ok) return { ok: true, config: raw };
  return { ok: false, problems: parsed.issues.map((issue) => ({ at: issue.path ? `config.${issue.path}` : 'config', message: issue.message })) };
}
