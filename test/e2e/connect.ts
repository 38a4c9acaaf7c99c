/** The end-to-end suite's connection to its target: a deployment when one was given, else a local runtime. */
import { inject } from 'vitest';
import { registerApiKey } from '../support/graphql.js';
import { startTestRuntime } from '../support/runtime.js';

export interface E2eConnection {
  readonly url: string;
  readonly apiKey: string;
  /** True against a deployment: slower (cold starts, real Step Functions), and shared with others. */
  readonly deployed: boolean;
  /** Stops what the suite started (nothing, against a deployment). */
  close(): Promise<void>;
}

export async function connectE2eTarget(): Promise<E2eConnection> {
  const deployment = inject('e2eDeployment');
  if (deployment) {
    registerApiKey(deployment.url, deployment.apiKey);
    return { ...deployment, deployed: true, close: async () => {} };
  }
  const runtime = await startTestRuntime();
  return { url: runtime.url, apiKey: runtime.apiKey, deployed: false, close: () => runtime.stop() };
}
