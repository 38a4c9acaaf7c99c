/**
 * The Winnow stack: the table, the bucket and the API Lambda behind an HTTP API. The local runtime
 * (infra/local) plays the same resources on one machine; the table's keys come from the same module
 * (functions/store/table.ts) in both.
 */
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, CorsHttpMethod, type CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, TreatMissingData, type Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { LAMBDA_SYNC_COMMIT_BYTES } from '../functions/ingest/commitJobs.js';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { TABLE_KEYS } from '../functions/store/table.js';
import { ESM_BUNDLING, IMAGE_DECODER_BUNDLING, LAMBDA_RUNTIME } from './lambda.js';
import { SelectionWorkflow } from './workflow.js';
import { grantObjectsUnder, grantTableItems, TABLE_ITEM_ACTIONS } from './access.js';
import { ConsoleSite } from './console.js';
import { COMMIT_TIMEOUT_MINUTES } from '../functions/ingest/limits.js';
import { settingsFromContext, type StackSettings } from './settings.js';

export { CONTEXT_DEFAULTS, settingsFromContext, type StackSettings } from './settings.js';

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
  readonly commitFailures: Queue;
  readonly httpApi: HttpApi;
  readonly workflow: SelectionWorkflow;

  constructor(scope: Construct, id: string, props: WinnowStackProps) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const settings = settingsFromContext(this);
    this.table = this.createTable(removalPolicy, props.stage === 'prod');
    this.bucket = this.createBucket(removalPolicy);
    this.workflow = new SelectionWorkflow(this, 'Workflow', {
      table: this.table,
      bucket: this.bucket,
      environment: this.baseEnvironment(props),
      removalPolicy,
      maxConcurrency: settings.shardConcurrency,
      memoryMb: { plan: settings.planMemoryMb, shard: settings.shardMemoryMb, select: settings.selectMemoryMb, finish: settings.selectMemoryMb },
    });
    [this.commitFunction, this.commitFailures] = this.createCommitFunction(props, settings, removalPolicy);
    this.apiFunction = this.createApiFunction(props, settings, removalPolicy);
    const sweepFunction = this.createSweepFunction(props, removalPolicy);
    this.httpApi = this.createHttpApi(props, settings, removalPolicy);
    this.addAlarms(sweepFunction);
    // The web console and the API under one CloudFront origin (output ConsoleUrl).
    new ConsoleSite(this, 'Console', { httpApi: this.httpApi, removalPolicy });

    new CfnOutput(this, 'ApiUrl', { value: `${this.httpApi.apiEndpoint}/graphql` });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    // The deploy preflight counts this function's reserved concurrency back on a redeploy.
    new CfnOutput(this, 'ApiFunctionName', { value: this.apiFunction.functionName });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    // The region the table lives in: the post-deploy step (infra/scripts/postDeploy.ts) writes the first
    // API key there, whatever region the shell that deploys is configured for.
    new CfnOutput(this, 'Region', { value: this.region });
  }

  /** What every Lambda of the stack is told: the table, the bucket, the stage. */
  private baseEnvironment(props: WinnowStackProps): Record<string, string> {
    return { WINNOW_TABLE_NAME: this.table.tableName, WINNOW_BUCKET_NAME: this.bucket.bucketName, WINNOW_STAGE: props.stage };
  }

  /** The one table (keys from functions/store/table.ts), with its index. */
  private createTable(removalPolicy: RemovalPolicy, production: boolean): Table {
    const { partitionKey, sortKey, gsi1 } = TABLE_KEYS;
    const table = new Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Pending uploads and idempotency keys expire (functions/store/table.ts).
      timeToLiveAttribute: TABLE_KEYS.ttl,
      deletionProtection: production,
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: gsi1.indexName,
      partitionKey: { name: gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: gsi1.sortKey, type: AttributeType.STRING },
    });
    return table;
  }

  /** The bucket: datasets' columns and uploads, runs' results and intermediates. */
  private createBucket(removalPolicy: RemovalPolicy): Bucket {
    return new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
      // Run intermediates (shard outputs, checkpoints) are worthless once a run has ended.
      // Parts of multipart uploads never completed (an upload abandoned, or its dataset deleted
      // meanwhile) are stored and billed until aborted.
      // Versions guard against an overwrite or delete by mistake; old versions go after 30 days.
      versioned: true,
      lifecycleRules: [
        { id: 'noncurrent-versions', noncurrentVersionExpiration: Duration.days(30), expiredObjectDeleteMarker: true },
        { id: 'run-intermediates', prefix: 'runs-work/', expiration: Duration.days(30) },
        { id: 'abandoned-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
      ],
    });

  }

  /** The commit Lambda and the queue of commits that failed every attempt. */
  private createCommitFunction(props: WinnowStackProps, settings: StackSettings, removalPolicy: RemovalPolicy): [NodejsFunction, Queue] {
    // Commits of uploads too large to convert within an API request (29 s): invoked asynchronously by
    // the API (functions/ingest/commitJobs.ts); the event's two automatic retries cover a crash.
    const commitFailures = new Queue(this, 'CommitFailures', { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    const commitFunction = new NodejsFunction(this, 'CommitFunction', {
      entry: entry('ingest/handler.ts'),
      handler: 'handler',
      ...LAMBDA_RUNTIME,
      memorySize: settings.commitMemoryMb,
      timeout: Duration.minutes(COMMIT_TIMEOUT_MINUTES),
      tracing: Tracing.ACTIVE,
      // A commit that failed every attempt lands here (its upload is back to PENDING or COMMITTING).
      onFailure: new SqsDestination(commitFailures),
      retryAttempts: 2,
      logGroup: new LogGroup(this, 'CommitLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy }),
      environment: this.baseEnvironment(props),
      bundling: IMAGE_DECODER_BUNDLING,
    });
    grantTableItems(this.table, commitFunction);
    // Commits read the upload's files and write the dataset's columns and manifests.
    grantObjectsUnder(this.bucket, commitFunction, ['datasets/']);

    return [commitFunction, commitFailures];
  }

  /** The GraphQL API's Lambda and what it may do. */
  private createApiFunction(props: WinnowStackProps, settings: StackSettings, removalPolicy: RemovalPolicy): NodejsFunction {
    const apiFunction = new NodejsFunction(this, 'ApiFunction', {
      entry: entry('api/handler.ts'),
      handler: 'handler',
      ...LAMBDA_RUNTIME,
      memorySize: settings.apiMemoryMb,
      timeout: Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      ...(settings.apiReservedConcurrency > 0 ? { reservedConcurrentExecutions: settings.apiReservedConcurrency } : {}),
      logGroup: new LogGroup(this, 'ApiLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy }),
      environment: {
        ...this.baseEnvironment(props),
        WINNOW_STATE_MACHINE_ARN: this.workflow.stateMachine.stateMachineArn,
        WINNOW_INTROSPECTION: String(props.introspection ?? props.stage !== 'prod'),
        WINNOW_COMMIT_FUNCTION: this.commitFunction.functionName,
        // Only small uploads without images are converted within the gateway's 29 seconds.
        WINNOW_SYNC_COMMIT_BYTES: String(LAMBDA_SYNC_COMMIT_BYTES),
        WINNOW_SYNC_COMMIT_IMAGES: 'false',
      },
      bundling: IMAGE_DECODER_BUNDLING,
    });
    this.commitFunction.grantInvoke(apiFunction);
    grantTableItems(this.table, apiFunction);
    // Presigned uploads and downloads, commits, and deleting a dataset with its runs' objects.
    grantObjectsUnder(this.bucket, apiFunction, ['datasets/', 'runs/', 'runs-work/']);
    this.workflow.stateMachine.grantStartExecution(apiFunction);
    this.workflow.stateMachine.grantExecution(apiFunction, 'states:StopExecution', 'states:DescribeExecution');

    return apiFunction;
  }

  /** The sweeper, every 15 minutes. */
  private createSweepFunction(props: WinnowStackProps, removalPolicy: RemovalPolicy): NodejsFunction {
    // Nothing stays stuck: uploads COMMITTING past their lease are handed back to the commit worker, or
    // rejected; orphaned objects are deleted once provably safe (functions/sweep/).
    const sweepFunction = new NodejsFunction(this, 'SweepFunction', {
      entry: entry('sweep/handler.ts'),
      handler: 'handler',
      ...LAMBDA_RUNTIME,
      memorySize: 512,
      timeout: Duration.minutes(5),
      logGroup: new LogGroup(this, 'SweepLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy }),
      environment: { ...this.baseEnvironment(props), WINNOW_COMMIT_FUNCTION: this.commitFunction.functionName },
      tracing: Tracing.ACTIVE,
      bundling: ESM_BUNDLING,
    });
    // The sweeper alone scans: stale commits are rare, and an index on every upload write would cost more.
    grantTableItems(this.table, sweepFunction, [...TABLE_ITEM_ACTIONS, 'dynamodb:Scan']);
    this.commitFunction.grantInvoke(sweepFunction);
    // Orphaned objects: it lists the datasets' objects, reads the manifests they are judged against and
    // deletes the orphans.
    this.bucket.grantRead(sweepFunction, 'datasets/*');
    this.bucket.grantDelete(sweepFunction, 'datasets/*');
    new Rule(this, 'SweepSchedule', { schedule: Schedule.rate(Duration.minutes(15)), targets: [new LambdaFunction(sweepFunction)] });

    return sweepFunction;
  }

  /** The HTTP API in front of the API Lambda, throttled, with access logs. */
  private createHttpApi(props: WinnowStackProps, settings: StackSettings, removalPolicy: RemovalPolicy): HttpApi {
    const httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `winnow-${props.stage}`,
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type', 'authorization', 'apollo-require-preflight'],
      },
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', this.apiFunction);
    httpApi.addRoutes({ path: '/graphql', integration });
    // Stage throttling caps what unauthenticated floods cost (each request is a Lambda and a key read);
    // access logs record every request.
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy });
    const stage = httpApi.defaultStage!.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = { throttlingRateLimit: settings.apiRateLimit, throttlingBurstLimit: settings.apiBurstLimit };
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        route: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };

    return httpApi;
  }

  /** Alarms on every Lambda, the executions, the API and the commits that failed for good. */
  private addAlarms(sweepFunction: NodejsFunction): void {
    // Alarms: failed or timed-out selections, Lambda errors and throttles, API 5xx, commits that failed for good.
    const alarm = (id: string, metric: Metric, description: string) =>
      new Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
    const period = { period: Duration.minutes(5), statistic: 'Sum' };
    alarm('SelectionsFailedAlarm', this.workflow.stateMachine.metricFailed(period), 'a selection execution failed');
    alarm('SelectionsTimedOutAlarm', this.workflow.stateMachine.metricTimedOut(period), 'a selection execution timed out');
    const functions: [string, NodejsFunction][] = [['Api', this.apiFunction], ['Commit', this.commitFunction], ['Sweep', sweepFunction], ...Object.entries(this.workflow.functions)];
    for (const [name, fn] of functions) {
      // The bundles ship their source maps (infra/lambda.ts); Node reads them only when told to.
      fn.addEnvironment('NODE_OPTIONS', '--enable-source-maps');
      const id = name.charAt(0).toUpperCase() + name.slice(1);
      alarm(`${id}ErrorsAlarm`, fn.metricErrors(period), `${id} Lambda errors`);
      alarm(`${id}ThrottlesAlarm`, fn.metricThrottles(period), `${id} Lambda throttled`);
    }
    alarm('Api5xxAlarm', this.httpApi.metricServerError(period), 'the HTTP API answered 5xx');
    alarm('CommitFailuresAlarm', this.commitFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), 'a commit failed every attempt');

  }
}
