/**
 * Starts the DynamoDB and S3 stand-ins once for the whole run, creates the table and bucket, and hands
 * their endpoints to the test files (`inject('winnowEnv')`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { WinnowEnv } from '../../functions/store/aws.js';
import { provisionStandIns } from '../../infra/local/bootstrap.js';
import { assertJavaAvailable, JavaMissingError, startDynamoStandIn, startS3StandIn } from '../../infra/local/standins.js';

declare module 'vitest' {
  export interface ProvidedContext {
    winnowEnv: WinnowEnv;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  try {
    assertJavaAvailable();
  } catch (error) {
    // One line saying what to install, not a stack trace from every test file.
    if (!(error instanceof JavaMissingError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const dir = await mkdtemp(join(tmpdir(), 'winnow-test-'));
  const dynamo = await startDynamoStandIn();
  const s3 = await startS3StandIn({ directory: join(dir, 's3') });
  const { env } = await provisionStandIns({ dynamodb: dynamo.endpoint, s3: s3.endpoint }, { tableName: 'winnow-test', bucketName: 'winnow-test' });
  project.provide('winnowEnv', env);
  return async () => {
    await s3.close();
    await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  };
}
