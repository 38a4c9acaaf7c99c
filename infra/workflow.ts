/**
 * The selection workflow, defined once: the CDK stack deploys it, and the local runtime executes the
 * very definition this construct synthesizes (infra/local/stateMachine.ts).
 *
 * ```
 * Plan ─► Shards (distributed Map over the plan's shard list in S3; one Shard task per shard)
 *      ─► Select ─► Choice: done? ─► Succeeded
 *            ▲                │ no (checkpointed near the Lambda time limit)
 *            └────────────────┘
 * any failure ─► MarkFailed ─► Failed
 * ```
 *
 * State payloads carry ids and S3 keys only, never per-sample data. Every task has an explicit timeout
 * and retries transient errors (Lambda service faults, throttling, and `TransientError` raised by the
 * handlers) with exponential backoff.
 */
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ESM_BUNDLING, LAMBDA_RUNTIME } from './lambda.js';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  Fail,
  JsonPath,
  S3JsonItemReader,
  StateMachine,
  Succeed,
  Timeout,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { RemovalPolicy } from 'aws-cdk-lib';

/** Errors worth retrying: Lambda's own transient faults and the handlers' `TransientError`. */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
  'TransientError',
];

/** Names of the task states; the local runtime maps each to its handler by these names. */
export const WORKFLOW_STATES = { plan: 'Plan', shards: 'Shards', shard: 'Shard', select: 'Select', markFailed: 'MarkFailed' } as const;

export const WORKFLOW_TIMEOUTS = {
  plan: Duration.minutes(5),
  shard: Duration.minutes(15),
  select: Duration.minutes(15),
  markFailed: Duration.minutes(1),
  /** A selection's whole execution. */
  execution: Duration.hours(24),
};

export interface WorkflowProps {
  readonly table: ITable;
  readonly bucket: IBucket;
  readonly environment: Record<string, string>;
  readonly removalPolicy: RemovalPolicy;
  /** Shard tasks running at once. */
  readonly maxConcurrency?: number;
}

export class SelectionWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly functions: Record<'plan' | 'shard' | 'select' | 'markFailed', NodejsFunction>;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const fn = (name: string, handler: string, timeout: Duration, memorySize: number) =>
      new NodejsFunction(this, name, {
        entry: new URL('../functions/workflow/handlers.ts', import.meta.url).pathname,
        handler,
        ...LAMBDA_RUNTIME,
        memorySize,
        timeout,
        environment: props.environment,
        logGroup: new LogGroup(this, `${name}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy }),
        bundling: ESM_BUNDLING,
      });
    this.functions = {
      plan: fn('PlanFunction', 'plan', WORKFLOW_TIMEOUTS.plan, 1024),
      // Shards read embeddings of all rows for typicality: memory is sized for ~1M × 128 float32 plus work.
      shard: fn('ShardFunction', 'shard', WORKFLOW_TIMEOUTS.shard, 4096),
      select: fn('SelectFunction', 'select', WORKFLOW_TIMEOUTS.select, 10240),
      markFailed: fn('MarkFailedFunction', 'markFailed', WORKFLOW_TIMEOUTS.markFailed, 256),
    };

    const task = (name: string, lambdaFunction: IFunction, timeout: Duration, resultPath: string | undefined) => {
      const state = new LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        taskTimeout: Timeout.duration(timeout),
        resultPath: resultPath ?? JsonPath.DISCARD,
      });
      state.addRetry({ errors: TRANSIENT_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 4 });
      return state;
    };

    const failed = new Fail(this, 'Failed', { stateName: 'Failed', error: 'SelectionFailed', cause: 'see the run record for the reason' });
    const markFailed = new LambdaInvoke(this, WORKFLOW_STATES.markFailed, {
      stateName: WORKFLOW_STATES.markFailed,
      lambdaFunction: this.functions.markFailed,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: Timeout.duration(WORKFLOW_TIMEOUTS.markFailed),
      resultPath: JsonPath.DISCARD,
    });
    markFailed.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 5 });
    markFailed.next(failed);
    const catchTo = (state: TaskStateBase | DistributedMap) => state.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.error' });

    const plan = task(WORKFLOW_STATES.plan, this.functions.plan, WORKFLOW_TIMEOUTS.plan, '$.plan');
    const shard = task(WORKFLOW_STATES.shard, this.functions.shard, WORKFLOW_TIMEOUTS.shard, undefined);
    const shards = new DistributedMap(this, WORKFLOW_STATES.shards, {
      stateName: WORKFLOW_STATES.shards,
      itemReader: new S3JsonItemReader({ bucket: props.bucket, key: JsonPath.stringAt('$.plan.shardListKey') }),
      itemSelector: {
        'runId.$': '$.runId',
        'shard.$': '$$.Map.Item.Value',
      },
      maxConcurrency: props.maxConcurrency ?? 40,
      resultPath: JsonPath.DISCARD,
    });
    shards.itemProcessor(shard);
    const select = task(WORKFLOW_STATES.select, this.functions.select, WORKFLOW_TIMEOUTS.select, '$.select');
    const done = new Choice(this, 'Done?', { stateName: 'Done?' })
      .when(Condition.booleanEquals('$.select.done', true), new Succeed(this, 'Succeeded', { stateName: 'Succeeded' }))
      .otherwise(select);
    for (const state of [plan, shards, select]) catchTo(state);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(plan.next(shards).next(select).next(done)),
      timeout: WORKFLOW_TIMEOUTS.execution,
    });

    const { table, bucket } = props;
    table.grantReadWriteData(this.functions.plan);
    table.grantReadWriteData(this.functions.shard);
    table.grantReadWriteData(this.functions.select);
    table.grantWriteData(this.functions.markFailed);
    // Plan and Shard read datasets and write only run intermediates; Select also writes the explanation
    // (runs/) and the result tag (datasets/<id>/tags/); MarkFailed touches no object.
    bucket.grantRead(this.functions.plan, 'datasets/*');
    bucket.grantPut(this.functions.plan, 'runs-work/*');
    bucket.grantRead(this.functions.shard, 'datasets/*');
    bucket.grantPut(this.functions.shard, 'runs-work/*');
    bucket.grantRead(this.functions.select, 'datasets/*');
    bucket.grantReadWrite(this.functions.select, 'runs-work/*');
    bucket.grantPut(this.functions.select, 'runs/*');
    bucket.grantReadWrite(this.functions.select, 'datasets/*/tags/*');
    bucket.grantRead(this.stateMachine, 'runs-work/*');
  }
}
