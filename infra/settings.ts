/**
 * The stack's sizes from CDK context, in a module of their own (no bundling, no kernels), so that the
 * deploy preflight (infra/scripts/preflight.ts) reads them exactly as the stack does.
 */
import { DEFAULT_TASK_MEMORY_MB } from '../functions/workflow/budgets.js';

/** What {@link settingsFromContext} reads context from: a construct's node, or the preflight's values. */
export interface ContextSource {
  readonly node: { tryGetContext(key: string): unknown };
}

/**
 * Sizes from CDK context (`-c name=value`), with defaults that fit a new account (Lambda memory capped at
 * 3,008 MB, concurrency at 1,000 or less). See the README's deployment section.
 */
export const CONTEXT_DEFAULTS = {
  apiMemoryMb: 1024,
  commitMemoryMb: 3008,
  planMemoryMb: DEFAULT_TASK_MEMORY_MB.plan,
  shardMemoryMb: DEFAULT_TASK_MEMORY_MB.shard,
  selectMemoryMb: DEFAULT_TASK_MEMORY_MB.select,
  /** Shard Lambdas at once per selection. */
  shardConcurrency: 40,
  /** Concurrency reserved for the API, so selections cannot starve it (0: none). */
  apiReservedConcurrency: 20,
  /** Requests per second (steady) and burst at the HTTP API's stage. */
  apiRateLimit: 50,
  apiBurstLimit: 100,
} as const;
export type StackSettings = { -readonly [K in keyof typeof CONTEXT_DEFAULTS]: number };

export function settingsFromContext(scope: ContextSource): StackSettings {
  const settings = { ...CONTEXT_DEFAULTS } as StackSettings;
  for (const name of Object.keys(CONTEXT_DEFAULTS) as (keyof StackSettings)[]) {
    const raw: unknown = scope.node.tryGetContext(name);
    if (raw === undefined) continue;
    const value = Number(raw);
    const memory = name.endsWith('MemoryMb');
    if (!Number.isInteger(value) || value < 0 || (memory && (value < 128 || value > 10_240))) {
      throw new Error(`context ${name} must be ${memory ? 'a whole number of MB from 128 to 10240' : 'a whole number ≥ 0'}, got '${String(raw)}'`);
    }
    settings[name] = value;
  }
  return settings;
}
