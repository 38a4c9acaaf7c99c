// Types of eslint.config.js, for the test that imports its room boundaries.
import type { Linter } from 'eslint';

export declare const roomBoundaries: Linter.Config[];
declare const config: Linter.Config[];
export default config;
