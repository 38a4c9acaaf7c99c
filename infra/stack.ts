/**
 * The Winnow stack: the table, the bucket and the API Lambda behind an HTTP API. The local runtime
 * (infra/local) plays the same resources on one machine; the table's keys come from the same module
 * (functions/store/table.ts) in both.
 */
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, CorsHttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { TABLE_KEYS } from '../functions/store/table.js';
import { ESM_BUNDLING, LAMBDA_RUNTIME } from './lambda.js';
import { SelectionWorkflow } from './workflow.js';
import { ConsoleSite } from './console.js';
import { COMMIT_TIMEOUT_MINUTES } from '../functions/ingest/limits.js';

export interface WinnowStackProps extends StackProps {
  /** Stage name, used in resource names and outputs (e.g. `dev`, `prod`). */
  readonly stage: string;
  /** DESTROY for throw-away stages; RETAIN (the default) keeps data when the stack is deleted. */
  readonly removalPolicy?: RemovalPolicy;
  /** Answer GraphQL introspection (default: on, except for a stage named `prod`). */
  readonly introspection?: boolean;
}

const entry = (path: string) => fileURLToPath(new URL(`../functions/${path}`, import.meta.url));

export class WinnowStack extends Stack {
  readonly table: Table;
  readonly bucket: Bucket;
  readonly apiFunction: NodejsFunction;
  readonly commitFunction: NodejsFunction;
  readonly httpApi: HttpApi;
  readonly workflow: SelectionWorkflow;

  constructor(scope: Construct, id: string, props: WinnowStackProps) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const { partitionKey, sortKey, gsi1 } = TABLE_KEYS;

    this.table = new Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: gsi1.indexName,
      partitionKey: { name: gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: gsi1.sortKey, type: AttributeType.STRING },
    });

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
      // Run intermediates (shard outputs, checkpoints) are worthless once a run has ended.
      // Parts of multipart uploads never completed (an upload abandoned, or its dataset deleted
      // meanwhile) are stored and billed until aborted.
      lifecycleRules: [
        { id: 'run-intermediates', prefix: 'runs-work/', expiration: Duration.days(30) },
        { id: 'abandoned-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
    });

    this.workflow = new SelectionWorkflow(this, 'Workflow', {
      table: this.table,
      bucket: this.bucket,
      environment: { WINNOW_TABLE_NAME: this.table.tableName, WINNOW_BUCKET_NAME: this.bucket.bucketName, WINNOW_STAGE: props.stage },
      removalPolicy,
    });

    // Commits of uploads too large to convert within an API request (29 s): invoked asynchronously by
    // the API (functions/ingest/commitJobs.ts); the event's two automatic retries cover a crash.
    const sharpBundling = {
      ...ESM_BUNDLING,
      // sharp (computed image metadata) ships native code per platform: it is installed beside the
      // bundle, not inlined, and for the Lambda's platform (linux arm64) whatever machine deploys.
      nodeModules: ['sharp'],
      environment: { npm_config_cpu: 'arm64', npm_config_os: 'linux', npm_config_libc: 'glibc' },
    };
    this.commitFunction = new NodejsFunction(this, 'CommitFunction', {
      entry: entry('ingest/handler.ts'),
      handler: 'handler',
      ...LAMBDA_RUNTIME,
      memorySize: 3008,
      timeout: Duration.minutes(COMMIT_TIMEOUT_MINUTES),
      logGroup: new LogGroup(this, 'CommitLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy }),
      environment: { WINNOW_TABLE_NAME: this.table.tableName, WINNOW_BUCKET_NAME: this.bucket.bucketName, WINNOW_STAGE: props.stage },
      bundling: sharpBundling,
    });
    this.table.grantReadWriteData(this.commitFunction);
    this.bucket.grantReadWrite(this.commitFunction);

    this.apiFunction = new NodejsFunction(this, 'ApiFunction', {
      entry: entry('api/handler.ts'),
      handler: 'handler',
      ...LAMBDA_RUNTIME,
      memorySize: 1024,
      timeout: Duration.seconds(29),
      logGroup: new LogGroup(this, 'ApiLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy }),
      environment: {
        WINNOW_TABLE_NAME: this.table.tableName,
        WINNOW_BUCKET_NAME: this.bucket.bucketName,
        WINNOW_STAGE: props.stage,
        WINNOW_STATE_MACHINE_ARN: this.workflow.stateMachine.stateMachineArn,
        WINNOW_INTROSPECTION: String(props.introspection ?? props.stage !== 'prod'),
        WINNOW_COMMIT_FUNCTION: this.commitFunction.functionName,
      },
      bundling: sharpBundling,
    });
    this.commitFunction.grantInvoke(this.apiFunction);
    this.table.grantReadWriteData(this.apiFunction);
    this.bucket.grantReadWrite(this.apiFunction);
    this.workflow.stateMachine.grantStartExecution(this.apiFunction);
    this.workflow.stateMachine.grantExecution(this.apiFunction, 'states:StopExecution', 'states:DescribeExecution');

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `winnow-${props.stage}`,
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type', 'authorization', 'apollo-require-preflight'],
      },
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', this.apiFunction);
    this.httpApi.addRoutes({ path: '/graphql', integration });

    // The web console and the API under one CloudFront origin (output ConsoleUrl).
    new ConsoleSite(this, 'Console', { httpApi: this.httpApi, removalPolicy });

    new CfnOutput(this, 'ApiUrl', { value: `${this.httpApi.apiEndpoint}/graphql` });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    // The region the table lives in: the post-deploy step (infra/scripts/postDeploy.ts) writes the first
    // API key there, whatever region the shell that deploys is configured for.
    new CfnOutput(this, 'Region', { value: this.region });
  }
}
