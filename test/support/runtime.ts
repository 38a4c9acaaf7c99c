/** The local runtime for a test file: on the suite's stand-ins, with its own tenant and API key. */
import { inject } from 'vitest';
import { newApiKey } from '../../functions/store/apiKeys.js';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../infra/local/runtime.js';
import { registerApiKey } from './graphql.js';

export async function startTestRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const env = inject('winnowEnv');
  const { key, keyId } = newApiKey();
  const runtime = await startLocalRuntime({
    port: 0,
    standIns: { dynamodb: env.endpoints.dynamodb!, s3: env.endpoints.s3! },
    tableName: env.tableName,
    bucketName: env.bucketName,
    apiKey: key,
    tenantId: `tenant-${keyId}`,
    logRequests: false,
    ...options,
  });
  registerApiKey(runtime.url, runtime.apiKey);
  return runtime;
}
