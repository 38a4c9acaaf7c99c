/**
 * `npm run test:e2e`: only the end-to-end suite (test/e2e/*.e2e.test.ts). With WINNOW_API_URL and
 * WINNOW_API_KEY set it runs against that deployment: the deployment is probed here, before anything
 * starts, so a wrong URL or key stops the run at once with a message that says which; nothing local is
 * started. Otherwise each test file starts the local runtime on the suite's stand-ins, as in `npm test`
 * (vitest.config.ts), which runs the same files, always locally.
 */
import { defineConfig } from 'vitest/config';
import { deploymentFromEnvironment, probeDeployment } from './test/e2e/target.js';
import base from './vitest.config.js';

export default defineConfig(async () => {
  const deployment = deploymentFromEnvironment();
  if (deployment) await probeDeployment(deployment);
  // Not the unit suite's projects (vitest.config.ts): one run of the end-to-end files.
  const { projects: _projects, ...test } = base.test!;
  return {
    ...base,
    test: {
      ...test,
      include: ['test/e2e/**/*.e2e.test.ts'],
      globalSetup: deployment ? [] : ['test/support/globalSetup.ts'],
      ...(deployment ? { provide: { e2eDeployment: deployment } } : {}),
      // A deployment's selections wait for cold starts and real Step Functions.
      testTimeout: 900_000,
    },
  };
});
