/** Sets the environment a deployed Lambda gets, pointing at the suite's stand-ins. */
import type { WinnowEnv } from '../../functions/store/aws.js';

export function useLambdaEnvironment(env: WinnowEnv): void {
  Object.assign(process.env, {
    WINNOW_TABLE_NAME: env.tableName,
    WINNOW_BUCKET_NAME: env.bucketName,
    AWS_ENDPOINT_URL_DYNAMODB: env.endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: env.endpoints.s3,
    AWS_ACCESS_KEY_ID: env.credentials!.accessKeyId,
    AWS_SECRET_ACCESS_KEY: env.credentials!.secretAccessKey,
    AWS_REGION: env.region,
  });
}
