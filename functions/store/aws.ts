/**
 * The AWS clients, built in one place from the environment. Real AWS, LocalStack and the one-machine
 * stand-ins differ only in configuration:
 *
 * - `WINNOW_TABLE_NAME`, `WINNOW_BUCKET_NAME`, `WINNOW_STATE_MACHINE_ARN`: the resources to use.
 * - `AWS_REGION` (default `us-east-1`).
 * - `AWS_ENDPOINT_URL` or the per-service `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`,
 *   `AWS_ENDPOINT_URL_SFN`: custom endpoints (LocalStack, the local stand-ins). With a custom S3
 *   endpoint, path-style addressing is used, since neither LocalStack nor s3rver serve bucket
 *   subdomains of loopback addresses.
 *
 * SDK checksums are `WHEN_REQUIRED` everywhere: with the newer default (`WHEN_SUPPORTED`) streamed
 * uploads are sent with aws-chunked framing, which s3rver stores verbatim, corrupting the object. Real
 * S3 accepts both, so one setting serves every target.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { reportTransientErrors } from './transientErrors.js';

export interface WinnowEnv {
  readonly region: string;
  readonly tableName: string;
  readonly bucketName: string;
  readonly stateMachineArn?: string;
  /** The Lambda that finishes commits of large uploads (`WINNOW_COMMIT_FUNCTION`). */
  readonly commitFunctionName?: string;
  /** Uploads up to this many bytes are committed within the request (`WINNOW_SYNC_COMMIT_BYTES`). */
  readonly syncCommitBytes?: number;
  /**
   * Whether uploads with images are committed within the request (`WINNOW_SYNC_COMMIT_IMAGES`, default
   * true): decoding and scoring each image takes tens of milliseconds, so the stack sends them to the
   * commit Lambda, whatever their size.
   */
  readonly syncCommitImages?: boolean;
  readonly endpoints: {
    readonly dynamodb?: string;
    readonly s3?: string;
    readonly sfn?: string;
    readonly lambda?: string;
  };
  /** Fixed credentials (the local stand-ins); otherwise the SDK's default provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export class MissingEnvironmentError extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set`);
    this.name = 'MissingEnvironmentError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new MissingEnvironmentError(name);
  return value;
}

function optional(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value) return value;
  }
  return undefined;
}

export function winnowEnvFromProcess(env: NodeJS.ProcessEnv = process.env): WinnowEnv {
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    tableName: required(env, 'WINNOW_TABLE_NAME'),
    bucketName: required(env, 'WINNOW_BUCKET_NAME'),
    stateMachineArn: optional(env, 'WINNOW_STATE_MACHINE_ARN'),
    commitFunctionName: optional(env, 'WINNOW_COMMIT_FUNCTION'),
    syncCommitBytes: byteCount(env, 'WINNOW_SYNC_COMMIT_BYTES'),
    syncCommitImages: env.WINNOW_SYNC_COMMIT_IMAGES !== 'false',
    endpoints: {
      dynamodb: optional(env, 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL'),
      s3: optional(env, 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'),
      sfn: optional(env, 'AWS_ENDPOINT_URL_SFN', 'AWS_ENDPOINT_URL'),
      lambda: optional(env, 'AWS_ENDPOINT_URL_LAMBDA', 'AWS_ENDPOINT_URL'),
    },
  };
}

/** An optional environment variable holding a whole number of bytes. */
export function byteCount(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = optional(env, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`environment variable ${name} must be a whole number of bytes, got ${JSON.stringify(text)}`);
  return value;
}

export interface AwsClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
}

/** Region, credentials and the service's custom endpoint, as every client of the project takes them. */
export function clientOptions(env: WinnowEnv, endpoint: string | undefined) {
  return { region: env.region, ...(env.credentials ? { credentials: env.credentials } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** Called with the DynamoDB and S3 clients of every set {@link createAwsClients} builds. */
export type AwsClientsHook = (clients: { readonly dynamo: DynamoDBClient; readonly s3: S3Client }) => void;
const clientsHooks: AwsClientsHook[] = [];

/**
 * Adds a hook for the clients built from now on in this thread. Only the local runtime's crash points
 * (infra/local/crashPoints.ts) use it, and only when the crash suite asks for them.
 */
export function onAwsClientsCreated(hook: AwsClientsHook): void {
  clientsHooks.push(hook);
}

export function createAwsClients(env: WinnowEnv): AwsClients {
  const { endpoints } = env;
  const dynamoClient = new DynamoDBClient(clientOptions(env, endpoints.dynamodb));
  const dynamo = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
  const s3 = new S3Client({
    ...clientOptions(env, endpoints.s3),
    ...(endpoints.s3 ? { forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sfn = new SFNClient(clientOptions(env, endpoints.sfn));
  // Throttling, 5xx and network faults left after the SDK's retries become TransientError (retried by the workflow).
  reportTransientErrors(dynamoClient);
  reportTransientErrors(s3);
  for (const hook of clientsHooks) hook({ dynamo: dynamoClient, s3 });
  return { dynamo, s3, sfn };
}
