/**
 * THRESHOLD: a hard filter, applied before anything else whatever its place in the list — a unit stays
 * a candidate only when `value <operation> threshold` holds. It never weighs in the product.
 */
import type { ThresholdOperation } from '../config.js';

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
