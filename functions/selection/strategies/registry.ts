/**
 * The strategy types the config accepts, each defined in one file of this folder. Adding a type is that
 * file plus one line in {@link BUILT_IN_STRATEGIES} (its place there is its place in messages listing the
 * types); the GraphQL `StrategyType` enum and `SelectionStrategyInput` follow it (a test checks they do).
 *
 * {@link registerStrategy} adds a type at run time, for an embedding program of the engine: the config
 * parser, the engine and the report then treat it like a built-in one. Such a type is not in the GraphQL
 * schema, so the service's typed config input cannot name it (its JSON config can, where registered).
 */
import { z } from 'zod';
import { balance } from './balance.js';
import type { StrategyDefinition } from './definition.js';
import { diversity } from './diversity.js';
import { similarity } from './similarity.js';
import { threshold } from './threshold.js';
import { typicality } from './typicality.js';
import { weights } from './weights.js';

export const BUILT_IN_STRATEGIES = {
  DIVERSITY: diversity,
  TYPICALITY: typicality,
  SIMILARITY: similarity,
  WEIGHTS: weights,
  THRESHOLD: threshold,
  BALANCE: balance,
} as const;

const registry = new Map<string, StrategyDefinition>(Object.entries(BUILT_IN_STRATEGIES));

/**
 * Adds a strategy type; returns a function that removes it again. Refused when the type is taken, is not
 * UPPER_SNAKE_CASE, disagrees with its schema's `type`, or lacks what its kind needs.
 */
export function registerStrategy<S extends StrategyDefinition['schema']>(definition: StrategyDefinition<S>): () => void {
  const { type } = definition;
  if (!/^[A-Z][A-Z0-9_]*$/.test(type)) throw new Error(`strategy type '${type}' must be UPPER_SNAKE_CASE`);
  if (registry.has(type)) throw new Error(`strategy type ${type} is already registered`);
  const literal = definition.schema.shape.type;
  if (!(literal instanceof z.ZodLiteral) || !literal.values.has(type)) {
    throw new Error(`the schema of strategy type ${type} does not take type ${type}`);
  }
  if (definition.kind === 'filter' ? !definition.filter : !definition.build) {
    throw new Error(`strategy type ${type} of kind ${definition.kind} needs ${definition.kind === 'filter' ? 'filter' : 'build'}`);
  }
  registry.set(type, definition as unknown as StrategyDefinition);
  return () => {
    if (registry.get(type) === (definition as unknown)) registry.delete(type);
  };
}

/** The definition of a type; undefined when no such type is registered. */
export function findStrategy(type: string): StrategyDefinition | undefined {
  return registry.get(type);
}

/** The definition of a type the config parser has accepted (so it is registered). */
export function strategyDefinition(type: string): StrategyDefinition {
  const definition = registry.get(type);
  if (!definition) throw new Error(`strategy type ${type} is not registered`);
  return definition;
}

/** Every registered type: the built-in ones in their order, then the registered ones in theirs. */
export function strategyTypes(): string[] {
  return [...registry.keys()];
}
