/**
 * THRESHOLD: a hard filter, applied before anything else whatever its place in the list — a unit stays
 * a candidate only when `value <operation> threshold` holds. It never weighs in the product.
 */
import { z } from 'zod';
import { defineStrategy, finite, strategySchema } from './definition.js';

export const OPERATIONS = ['SMALLER', 'SMALLER_EQUAL', 'BIGGER', 'BIGGER_EQUAL'] as const;
export type ThresholdOperation = (typeof OPERATIONS)[number];

export const OPERATION_SYMBOLS: Record<ThresholdOperation, string> = {
  SMALLER: '<',
  SMALLER_EQUAL: '<=',
  BIGGER: '>',
  BIGGER_EQUAL: '>=',
};

export function passesThreshold(value: number, operation: ThresholdOperation, threshold: number): boolean {
  switch (operation) {
    case 'SMALLER':
      return value < threshold;
    case 'SMALLER_EQUAL':
      return value <= threshold;
    case 'BIGGER':
      return value > threshold;
    case 'BIGGER_EQUAL':
      return value >= threshold;
  }
}

export const threshold = defineStrategy({
  type: 'THRESHOLD',
  schema: strategySchema('THRESHOLD', { threshold: finite, operation: z.enum(OPERATIONS) }),
  kind: 'filter',
  reads: 'numeric',
  filter: {
    passes: (strategy, value) => passesThreshold(value, strategy.operation, strategy.threshold),
    describe: (strategy) => `${OPERATION_SYMBOLS[strategy.operation]} ${strategy.threshold}`,
  },
});
