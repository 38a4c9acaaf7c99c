/**
 * `npm run test:e2e`: only the end-to-end suite (test/e2e/*.e2e.test.ts), against the local runtime or,
 * with WINNOW_API_URL and WINNOW_API_KEY set, against that deployment (test/e2e/globalSetup.ts).
 * `npm test` runs the same files through vitest.config.ts, always against the local runtime.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/globalSetup.ts'],
    // A deployment's selections wait for cold starts and real Step Functions.
    testTimeout: 900_000,
  },
});
