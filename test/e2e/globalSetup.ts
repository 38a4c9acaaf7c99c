/**
 * Global setup of `npm run test:e2e` (vitest.e2e.config.ts): against a deployment, checks that it answers
 * and hands it to the test files (`inject('e2eDeployment')`) without starting anything; otherwise
 * starts the stand-ins that the local runtime of each test file runs on, as `npm test` does.
 */
import type { TestProject } from 'vitest/node';
import standInsSetup from '../support/globalSetup.js';
import { deploymentFromEnvironment, probeDeployment, type DeploymentTarget } from './target.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set only when the suite runs against a deployment. */
    e2eDeployment?: DeploymentTarget;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const deployment = deploymentFromEnvironment();
  if (!deployment) return standInsSetup(project);
  await probeDeployment(deployment);
  project.provide('e2eDeployment', deployment);
}
