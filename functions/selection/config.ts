/**
 * The selection config: Lightly's format, as in the documentation's examples. Both spellings of keys are
 * accepted — snake_case (`n_samples`, `random_seed`, `stopping_condition_minimum_distance`) and camelCase
 * (`nSamples`, `randomSeed`, …) — and normalised to camelCase; the class names inside a BALANCE `target`
 * are data and stay as written. Unknown keys are rejected, and so is a key given in both spellings.
 *
 * `strength` may stand in the entry or inside `strategy` (the examples use both), not in both places;
 * default 1, range [-1e9, 1e9]. Every fault is reported with its JSON path and what is allowed.
 */
import { z } from 'zod';
import { SelectionConfigError, type ConfigIssue } from './errors.js';
import { finite, READ_INPUTS, strengthSchema as strength, type StrategyOptions } from './strategies/definition.js';
import { BUILT_IN_STRATEGIES, findStrategy, strategyTypes } from './strategies/registry.js';

export const INPUT_TYPES = ['EMBEDDINGS', 'SCORES', 'METADATA', 'PREDICTIONS', 'RANDOM'] as const;
export const PREDICTION_NAMES = ['CLASS_DISTRIBUTION', 'CATEGORY_COUNT'] as const;

type BuiltInStrategies = typeof BUILT_IN_STRATEGIES;
export type InputType = (typeof INPUT_TYPES)[number];
/** The built-in strategy types (strategies/registry.ts); {@link registerStrategy} may add more at run time. */
export type StrategyType = keyof BuiltInStrategies;
export const STRATEGY_TYPES = Object.keys(BUILT_IN_STRATEGIES) as StrategyType[];

export { DISTRIBUTIONS } from './strategies/balance.js';
export { MAX_STRENGTH } from './strategies/definition.js';
export { OPERATIONS, type ThresholdOperation } from './strategies/threshold.js';
export { DEFAULT_NEAREST_NEIGHBORS, MAX_NEAREST_NEIGHBORS } from './strategies/typicality.js';
export { registerStrategy } from './strategies/registry.js';

const name = z.string().min(1, 'must not be empty');

const inputSchemas = {
  EMBEDDINGS: z.strictObject({ type: z.literal('EMBEDDINGS'), task: name.optional(), datasetId: name.optional(), tagName: name.optional() }),
  SCORES: z.strictObject({ type: z.literal('SCORES'), task: name, score: name }),
  METADATA: z.strictObject({ type: z.literal('METADATA'), key: name }),
  PREDICTIONS: z.strictObject({ type: z.literal('PREDICTIONS'), task: name, name: z.enum(PREDICTION_NAMES) }),
  RANDOM: z.strictObject({ type: z.literal('RANDOM'), randomSeed: z.number().int().optional() }),
};

export type InputConfig = { [K in InputType]: z.output<(typeof inputSchemas)[K]> }[InputType];
/**
 * A strategy as the engine sees it (without `strength`, which the entry holds). The union names the
 * built-in types; a type added with {@link registerStrategy} arrives as its own schema's output.
 */
export type StrategyConfig = { [K in StrategyType]: StrategyOptions<BuiltInStrategies[K]['schema']> }[StrategyType];

export interface StrategyEntry {
  readonly input: InputConfig;
  readonly strategy: StrategyConfig;
  /** Default 1; negative inverts the strategy's preference. */
  readonly strength: number;
}

export interface SelectionConfig {
  readonly nSamples?: number;
  readonly proportionSamples?: number;
  readonly strategies: readonly StrategyEntry[];
  /**
   * Frames per selected video sequence (`selected_sequence_length`, as the LightlyOne worker names it);
   * absent = 1, single samples. See sequences.ts.
   */
  readonly selectedSequenceLength?: number;
  /**
   * Drop samples whose embedding row is bit-identical to an earlier one (`remove_exact_duplicates`);
   * absent = what the caller runs with (the CLI and the service: true; see select.ts).
   */
  readonly removeExactDuplicates?: boolean;
}

/** The largest `selected_sequence_length`: a sequence is a clip to label, not a whole recording. */
export const MAX_SEQUENCE_LENGTH = 10_000;

/** Which inputs each built-in strategy takes (docs/selection.md, "Strategies and the inputs they take"), from what it reads. */
export const STRATEGY_INPUTS = Object.fromEntries(STRATEGY_TYPES.map((type) => [type, READ_INPUTS[BUILT_IN_STRATEGIES[type].reads]])) as Record<
  StrategyType,
  readonly InputType[]
>;

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const keyPath = (path: string, key: string) => (path ? `${path}.${key}` : key);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * camelCases the keys of one object level. `originals` remembers how the user spelled each key, so
 * errors quote the user's spelling.
 */
function normaliseKeys(value: Json, path: string, issues: ConfigIssue[], originals: Map<string, string>): Json {
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    const c = camel(key);
    if (c in out) {
      issues.push({ path: keyPath(path, key), message: `given twice, as '${originals.get(keyPath(path, c)) ?? c}' and '${key}'` });
      continue;
    }
    out[c] = inner;
    originals.set(keyPath(path, c), keyPath(originals.get(path) ?? path, key));
  }
  return out;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * `allowedKeys` tells, for the object at an issue's path (relative to `base`), which keys it may have —
 * so an unknown key is reported with the alternatives, in the seed's snake_case spelling.
 */
function zodIssues(
  error: z.ZodError,
  base: string,
  originals: Map<string, string>,
  allowedKeys?: (path: readonly PropertyKey[]) => readonly string[] | undefined,
): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    let camelPath = base;
    for (const segment of issue.path) camelPath = typeof segment === 'number' ? `${camelPath}[${segment}]` : keyPath(camelPath, String(segment));
    const path = originals.get(camelPath) ?? camelPath;
    if (issue.code === 'unrecognized_keys') {
      // One issue per unknown key, at the key itself, in the user's spelling.
      const allowed = allowedKeys?.(issue.path);
      const alternatives = allowed ? `; allowed: ${allowed.map(snake).join(', ')}` : '';
      return issue.keys.map((key) => {
        const keyAt = originals.get(keyPath(camelPath, key)) ?? keyPath(path, key);
        return { path: keyAt, message: `unknown key '${keyAt.slice(keyAt.lastIndexOf('.') + 1)}'${alternatives}` };
      });
    }
    if (issue.code === 'invalid_value' && 'values' in issue) {
      return { path, message: `must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    }
    if (issue.code === 'invalid_type') {
      if (/received undefined/.test(issue.message)) return { path, message: 'is required' };
      const expected = String(issue.expected);
      const words: Record<string, string> = { number: 'a number', string: 'a string', int: 'an integer', object: 'an object', boolean: 'true or false' };
      return { path, message: `must be ${words[expected] ?? `of type ${expected}`}` };
    }
    return { path, message: issue.message };
  });
}

function parseEntry(raw: unknown, path: string, issues: ConfigIssue[], originals: Map<string, string>): StrategyEntry | undefined {
  if (!isObject(raw)) {
    issues.push({ path, message: 'must be an object {input, strategy, strength?}' });
    return undefined;
  }
  const entry = normaliseKeys(raw, path, issues, originals);
  for (const key of Object.keys(entry)) {
    if (!['input', 'strategy', 'strength'].includes(key)) {
      const at = originals.get(keyPath(path, key)) ?? keyPath(path, key);
      issues.push({ path: at, message: `unknown key '${at.slice(at.lastIndexOf('.') + 1)}'; allowed: input, strategy, strength` });
    }
  }
  const before = issues.length;
  const input = parseTyped(entry.input, keyPath(path, 'input'), inputSchema, INPUT_TYPES, issues, originals) as InputConfig | undefined;
  const strategy = parseTyped(entry.strategy, keyPath(path, 'strategy'), findStrategy, strategyTypes(), issues, originals);
  let entryStrength: number | undefined;
  if (entry.strength !== undefined) {
    const parsed = strength.safeParse(entry.strength);
    if (parsed.success) entryStrength = parsed.data;
    else issues.push(...zodIssues(parsed.error, keyPath(path, 'strength'), originals));
  }
  if (!input || !strategy || issues.length > before) return undefined;
  const { strength: inner, ...strategyConfig } = strategy as StrategyConfig & { strength?: number };
  if (inner !== undefined && entryStrength !== undefined) {
    issues.push({ path: keyPath(path, 'strength'), message: 'strength is given both in the entry and in its strategy; give it once' });
    return undefined;
  }
  const fault = checkPairing(input, strategyConfig as StrategyConfig);
  if (fault) {
    issues.push({ path: keyPath(path, fault.at), message: fault.message });
    return undefined;
  }
  return { input, strategy: strategyConfig as StrategyConfig, strength: entryStrength ?? inner ?? 1 };
}

/** A `type` and its schema; `nestedKeys` names fields holding objects with keys of ours (their allowed keys). */
interface TypedSchema {
  readonly schema: z.ZodObject;
  readonly nestedKeys?: Readonly<Record<string, readonly string[]>>;
}

const inputSchema = (type: string): TypedSchema | undefined => (Object.hasOwn(inputSchemas, type) ? { schema: inputSchemas[type as InputType] } : undefined);

/** Parses an object with a `type` (an input, a strategy) with the schema of that type. */
function parseTyped(
  raw: unknown,
  path: string,
  schemaOf: (type: string) => TypedSchema | undefined,
  types: readonly string[],
  issues: ConfigIssue[],
  originals: Map<string, string>,
): Record<string, unknown> | undefined {
  if (raw === undefined) {
    issues.push({ path, message: 'is required' });
    return undefined;
  }
  if (!isObject(raw)) {
    issues.push({ path, message: 'must be an object with a "type"' });
    return undefined;
  }
  const value = normaliseKeys(raw, path, issues, originals);
  const type = value.type;
  const typed = typeof type === 'string' ? schemaOf(type) : undefined;
  if (!typed) {
    issues.push({ path: keyPath(path, 'type'), message: `must be one of ${types.join(', ')}${type === undefined ? '' : `, got ${JSON.stringify(type)}`}` });
    return undefined;
  }
  // Nested objects of ours (WEIGHTS' target_range) take both spellings too; a BALANCE target's keys are class names.
  const nested = typed.nestedKeys ?? {};
  for (const key of Object.keys(nested)) if (isObject(value[key])) value[key] = normaliseKeys(value[key], keyPath(path, key), issues, originals);
  const parsed = typed.schema.safeParse(value);
  if (!parsed.success) {
    const allowed = (at: readonly PropertyKey[]) => (at.length === 0 ? Object.keys(typed.schema.shape) : nested[String(at[at.length - 1])]);
    issues.push(...zodIssues(parsed.error, path, originals, allowed));
    return undefined;
  }
  return parsed.data;
}

/**
 * The pairing rules of docs/selection.md, from what the strategy reads, plus the strategy's own consistency;
 * returns the fault (the path relative to the entry, and a message naming both sides of a pairing), or
 * undefined when allowed.
 */
function checkPairing(input: InputConfig, strategy: StrategyConfig): { at: string; message: string } | undefined {
  const pairing = (message: string) => ({ at: 'input.type', message });
  const definition = findStrategy(strategy.type)!;
  const { type } = strategy;
  const allowed = READ_INPUTS[definition.reads];
  if (!allowed.includes(input.type)) return pairing(`strategy ${type} does not take input ${input.type}; it takes ${allowed.join(', ')}`);
  if (input.type === 'EMBEDDINGS') {
    const query = input.datasetId !== undefined || input.tagName !== undefined;
    const takesQuery = definition.reads === 'querySet';
    if (takesQuery && (input.datasetId === undefined || input.tagName === undefined)) {
      return pairing(`strategy ${type} needs input EMBEDDINGS with dataset_id and tag_name (the query set)`);
    }
    if (!takesQuery && query) return pairing(`input EMBEDDINGS with dataset_id/tag_name is a query set, used only by SIMILARITY, not ${type}`);
    if (takesQuery && input.task !== undefined) return pairing(`strategy ${type} takes input EMBEDDINGS of images (dataset_id, tag_name), not of objects (task)`);
  }
  if (input.type === 'PREDICTIONS') {
    const [wanted, other] = definition.reads === 'classes' ? (['CLASS_DISTRIBUTION', 'CATEGORY_COUNT'] as const) : (['CATEGORY_COUNT', 'CLASS_DISTRIBUTION'] as const);
    if (input.name !== wanted) return pairing(`strategy ${type} takes input PREDICTIONS with name ${wanted}, not ${other}`);
  }
  return definition.check?.(strategy);
}

/** Parses a config value (already JSON); returns the issues instead of throwing. */
export function parseSelectionConfig(raw: unknown): { ok: true; config: SelectionConfig } | { ok: false; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const originals = new Map<string, string>();
  if (!isObject(raw)) return { ok: false, issues: [{ path: '', message: 'the config must be a JSON object {n_samples | proportion_samples, strategies}' }] };
  const root = normaliseKeys(raw, '', issues, originals);
  for (const key of Object.keys(root)) {
    if (!['nSamples', 'proportionSamples', 'strategies', 'selectedSequenceLength', 'removeExactDuplicates'].includes(key)) {
      issues.push({
        path: originals.get(key) ?? key,
        message: `unknown key '${originals.get(key) ?? key}'; allowed: n_samples, proportion_samples, strategies, selected_sequence_length, remove_exact_duplicates`,
      });
    }
  }
  const has = (key: string) => root[key] !== undefined && root[key] !== null;
  if (has('nSamples') === has('proportionSamples')) {
    issues.push({ path: '', message: 'give exactly one of n_samples and proportion_samples' });
  }
  const config: { nSamples?: number; proportionSamples?: number; strategies: StrategyEntry[]; selectedSequenceLength?: number; removeExactDuplicates?: boolean } = {
    strategies: [],
  };
  if (has('nSamples')) {
    const parsed = z.number().int('must be an integer').min(1, 'must be ≥ 1').safeParse(root.nSamples);
    if (parsed.success) config.nSamples = parsed.data;
    else issues.push(...zodIssues(parsed.error, originals.get('nSamples') ?? 'nSamples', originals));
  }
  if (has('proportionSamples')) {
    const parsed = finite.gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').safeParse(root.proportionSamples);
    if (parsed.success) config.proportionSamples = parsed.data;
    else issues.push(...zodIssues(parsed.error, originals.get('proportionSamples') ?? 'proportionSamples', originals));
  }
  if (has('selectedSequenceLength')) {
    const at = originals.get('selectedSequenceLength') ?? 'selectedSequenceLength';
    const parsed = z.number().int('must be an integer').min(1, 'must be ≥ 1').max(MAX_SEQUENCE_LENGTH, `must be ≤ ${MAX_SEQUENCE_LENGTH}`).safeParse(root.selectedSequenceLength);
    if (!parsed.success) issues.push(...zodIssues(parsed.error, at, originals));
    else {
      config.selectedSequenceLength = parsed.data;
      // n_samples counts frames: whole sequences only, never a cut one.
      if (config.nSamples !== undefined && config.nSamples % parsed.data !== 0) {
        issues.push({
          path: originals.get('nSamples') ?? 'nSamples',
          message: `n_samples ${config.nSamples} is not a multiple of selected_sequence_length ${parsed.data} (it counts frames of whole sequences); use ${Math.max(parsed.data, config.nSamples - (config.nSamples % parsed.data))} or ${config.nSamples + parsed.data - (config.nSamples % parsed.data)}`,
        });
      }
    }
  }
  if (has('removeExactDuplicates')) {
    const parsed = z.boolean().safeParse(root.removeExactDuplicates);
    if (parsed.success) config.removeExactDuplicates = parsed.data;
    else issues.push(...zodIssues(parsed.error, originals.get('removeExactDuplicates') ?? 'removeExactDuplicates', originals));
  }
  if (!Array.isArray(root.strategies) || root.strategies.length === 0) {
    issues.push({ path: 'strategies', message: 'must be a non-empty list of {input, strategy}' });
  } else {
    root.strategies.forEach((entry, index) => {
      const parsed = parseEntry(entry, `strategies[${index}]`, issues, originals);
      if (parsed) config.strategies.push(parsed);
    });
    const objectTasks = new Set(config.strategies.flatMap((e) => (e.input.type === 'EMBEDDINGS' && e.input.task !== undefined ? [e.input.task] : [])));
    if (objectTasks.size > 1) {
      issues.push({ path: 'strategies', message: `object-level embeddings of one task at a time; got ${[...objectTasks].join(', ')}` });
    }
    if (objectTasks.size > 0 && (config.selectedSequenceLength ?? 1) > 1) {
      issues.push({
        path: originals.get('selectedSequenceLength') ?? 'selectedSequenceLength',
        message: `sequences are selected from frames, not from objects; remove selected_sequence_length or the object embeddings of ${[...objectTasks].join(', ')}`,
      });
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config };
}

/** Like {@link parseSelectionConfig}, throwing {@link SelectionConfigError}. */
export function selectionConfig(raw: unknown): SelectionConfig {
  const result = parseSelectionConfig(raw);
  if (!result.ok) throw new SelectionConfigError(result.issues);
  return result.config;
}
