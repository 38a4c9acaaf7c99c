/**
 * The selection workflow, defined once: the CDK stack deploys it, and the local runtime executes the
 * very definition this construct synthesizes (infra/local/stateMachine.ts).
 *
 * ```
 * Plan ─► Shards (distributed Map over the plan's shard list in S3; one Shard task per shard)
 *      ─► Select ─► Choice: all picked? ─► Finish ─► Succeeded
 *            ▲                │ no (checkpointed near the Lambda time limit)
 *            └────────────────┘
 * any failure ─► <Task>Failure (names the task, its memory and time) ─► MarkFailed ─► Failed
 * a shard's failure ─► MarkShardFailed (inside the Map: the shard's own error becomes the reason)
 * ```
 *
 * State payloads carry ids and S3 keys only, never per-sample data. Retries go by error class
 * ({@link RETRY_POLICY}): transient faults with full jitter over a few minutes, throttling longer, and
 * out-of-memory or timeout not at all (it would only repeat). Each state's timeout is a minute longer
 * than its Lambda's, so the Lambda's own timeout error (which names it) comes first.
 */
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { ESM_BUNDLING, LAMBDA_RUNTIME } from './lambda.js';
import { grantObjectDelete, grantTableItems } from './access.js';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  Pass,
  S3JsonItemReader,
  StateMachine,
  Succeed,
  Timeout,
  type IChainable,
  type RetryProps,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { DEFAULT_TASK_MEMORY_MB, TASK_BUDGETS_ENV, TASK_TIMEOUT_SECONDS, WORKFLOW_TASK_NAMES, type TaskBudgets, type WorkflowTask } from '../functions/workflow/budgets.js';
import { RESOURCE_EXHAUSTED_ERRORS } from '../functions/workflow/errors.js';
import { WORKFLOW_STATES } from '../functions/workflow/states.js';

/**
 * The retry lists, by error class, in the order a state tries them (the first list naming the error
 * decides):
 *
 * - `exhausted`: out of memory or time (Lambda reports both as `Lambda.Unknown`, or `Runtime.*`,
 *   `Sandbox.Timedout`, `States.Timeout`): not retried — a deterministic OOM would run again at full
 *   cost. The Catch records a reason naming the memory or time that ran out.
 * - `throttling`: Lambda refused the invocation for concurrency; waits grow to two minutes, for about
 *   15 minutes in all, so a throttled shard waits its turn rather than failing the run.
 * - `transient`: service faults and the handlers' `TransientError` (S3 or DynamoDB throttled, a network
 *   fault); full jitter, waits up to a minute, about 4 minutes in all.
 */
export const RETRY_POLICY = {
  exhausted: { errors: [...RESOURCE_EXHAUSTED_ERRORS], maxAttempts: 0 },
  throttling: {
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxDelay: Duration.minutes(2),
    maxAttempts: 12,
    jitterStrategy: JitterType.FULL,
  },
  transient: {
    errors: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.ClientExecutionTimeoutException', 'TransientError'],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxDelay: Duration.minutes(1),
    maxAttempts: 8,
    jitterStrategy: JitterType.FULL,
  },
} satisfies Record<string, RetryProps>;

/** Names of the states, from the one task list that the local runtime and the Lambda handlers read too. */
export { WORKFLOW_STATES };

const seconds = (task: WorkflowTask) => Duration.seconds(TASK_TIMEOUT_SECONDS[task]);
export const WORKFLOW_TIMEOUTS = {
  plan: seconds('plan'),
  shard: seconds('shard'),
  select: seconds('select'),
  finish: seconds('finish'),
  markFailed: seconds('markFailed'),
  /** A selection's whole execution. */
  execution: Duration.hours(24),
};
/** How much longer a state waits than its Lambda runs: the Lambda's own timeout error comes first. */
export const STATE_TIMEOUT_MARGIN = Duration.minutes(1);

export interface WorkflowProps {
  readonly table: ITable;
  readonly bucket: IBucket;
  readonly environment: Record<string, string>;
  readonly removalPolicy: RemovalPolicy;
  /** Shard tasks running at once (default 40). */
  readonly maxConcurrency?: number;
  /** Memory of each task's Lambda, in MB (defaults: {@link DEFAULT_TASK_MEMORY_MB}). */
  readonly memoryMb?: Partial<Record<WorkflowTask, number>>;
}

export class SelectionWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly functions: Record<WorkflowTask, NodejsFunction>;
  readonly logGroup: LogGroup;
  /** Each task's memory and time, as the failure states report them and Plan checks them. */
  private readonly budgets: TaskBudgets;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const memoryMb = { ...DEFAULT_TASK_MEMORY_MB, ...props.memoryMb };
    this.budgets = Object.fromEntries(
      WORKFLOW_TASK_NAMES.map((task) => [task, { memoryMb: memoryMb[task], timeoutSeconds: TASK_TIMEOUT_SECONDS[task] }]),
    );
    // One Lambda per task, each running the handler of the task's name (functions/workflow/handlers.ts).
    this.functions = Object.fromEntries(
      WORKFLOW_TASK_NAMES.map((task) => [task, this.taskFunction(props, `${task[0]!.toUpperCase()}${task.slice(1)}Function`, task)]),
    ) as Record<WorkflowTask, NodejsFunction>;

    const definition = this.definition(props);
    this.logGroup = new LogGroup(this, 'StateMachineLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      timeout: WORKFLOW_TIMEOUTS.execution,
      tracingEnabled: true,
      // Errors only: each state's input and output would repeat every transition of long runs.
      logs: { destination: this.logGroup, level: LogLevel.ERROR, includeExecutionData: false },
    });

    this.grantAccess(props);
  }

  /** Creates the Lambda function (and its log group) that runs one workflow task. */
  private taskFunction(props: WorkflowProps, name: string, task: WorkflowTask): NodejsFunction {
    return new NodejsFunction(this, name, {
      entry: new URL('../functions/workflow/handlers.ts', import.meta.url).pathname,
      handler: task,
      ...LAMBDA_RUNTIME,
      memorySize: this.budgets[task]!.memoryMb,
      timeout: WORKFLOW_TIMEOUTS[task],
      tracing: Tracing.ACTIVE,
      // Plan refuses a run that cannot fit the tasks' memory before any shard starts.
      environment: { ...props.environment, [TASK_BUDGETS_ENV]: JSON.stringify(this.budgets) },
      logGroup: new LogGroup(this, `${name}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy }),
      bundling: ESM_BUNDLING,
    });
  }

  /**
   * Builds the states, in the order the template lists them (the order of construction): the failure
   * path, Plan, the Shards map, Select, Finish and the Done? loop. Returns the chain from Plan.
   */
  private definition(props: WorkflowProps): IChainable {
    const failed = new Fail(this, 'Failed', { stateName: 'Failed', error: 'SelectionFailed', cause: 'see the run record for the reason' });
    const markFailed = this.markFailedTask(WORKFLOW_STATES.markFailed);
    markFailed.next(failed);

    const plan = this.retriedTask(WORKFLOW_STATES.plan, 'plan', '$.plan');
    const shards = this.shardsMap(props);
    const select = this.retriedTask(WORKFLOW_STATES.select, 'select', '$.select');
    const finish = this.retriedTask(WORKFLOW_STATES.finish, 'finish', undefined);
    const done = new Choice(this, 'Done?', { stateName: 'Done?' })
      .when(Condition.booleanEquals('$.select.done', true), finish.next(new Succeed(this, 'Succeeded', { stateName: 'Succeeded' })))
      .otherwise(select);
    catchTo(plan, this.failedTask(WORKFLOW_STATES.plan, 'plan').next(markFailed));
    catchTo(shards, markFailed);
    catchTo(select, this.failedTask(WORKFLOW_STATES.select, 'select').next(markFailed));
    catchTo(finish, this.failedTask(WORKFLOW_STATES.finish, 'finish').next(markFailed));
    return plan.next(shards).next(select).next(done);
  }

  /** The distributed Map running one Shard task per entry of the plan's shard list in S3. */
  private shardsMap(props: WorkflowProps): DistributedMap {
    // A shard's failure is recorded by the shard itself, with its own error: the Map only reports that
    // an item failed.
    const shard = this.retriedTask(WORKFLOW_STATES.shard, 'shard', undefined);
    const markShardFailed = this.markFailedTask(WORKFLOW_STATES.markShardFailed);
    catchTo(shard, this.failedTask(WORKFLOW_STATES.shard, 'shard', { 'shard.$': '$.shard' }).next(markShardFailed));
    markShardFailed.next(new Fail(this, 'ShardFailed', { stateName: 'ShardFailed', error: 'ShardFailed', cause: 'see the run record for the reason' }));
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
    shards.itemProcessor(shard.next(new Succeed(this, 'ShardDone', { stateName: 'ShardDone' })));
    return shards;
  }

  /** A state invoking a task's Lambda, timing out a margin after the Lambda would. */
  private invoke(name: string, task: WorkflowTask, resultPath: string | undefined): LambdaInvoke {
    return new LambdaInvoke(this, name, {
      stateName: name,
      lambdaFunction: this.functions[task] as IFunction,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: Timeout.duration(WORKFLOW_TIMEOUTS[task].plus(STATE_TIMEOUT_MARGIN)),
      resultPath: resultPath ?? JsonPath.DISCARD,
    });
  }

  /** A task state retried by error class ({@link RETRY_POLICY}). */
  private retriedTask(name: string, which: WorkflowTask, resultPath: string | undefined): LambdaInvoke {
    const state = this.invoke(name, which, resultPath);
    for (const retry of [RETRY_POLICY.exhausted, RETRY_POLICY.throttling, RETRY_POLICY.transient]) state.addRetry(retry);
    return state;
  }

  /** Names the failed task with its memory and time for the reason MarkFailed writes. */
  private failedTask(name: string, which: WorkflowTask, extra: Record<string, string> = {}): Pass {
    return new Pass(this, `${name}Failure`, {
      stateName: `${name}Failure`,
      parameters: {
        'runId.$': '$.runId',
        'error.$': '$.error',
        failedTask: { state: name, ...extra, memoryMb: this.budgets[which]!.memoryMb, timeoutSeconds: this.budgets[which]!.timeoutSeconds },
      },
    });
  }

  /** A MarkFailed state, retried on any error: the run must not stay RUNNING. */
  private markFailedTask(name: string): LambdaInvoke {
    const state = this.invoke(name, 'markFailed', undefined);
    state.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 5, jitterStrategy: JitterType.FULL });
    return state;
  }

  /** Grants each task, and the state machine, only the table and object access it needs. */
  private grantAccess({ table, bucket }: WorkflowProps): void {
    // Items only (no table-level actions): reads, conditional writes and deletes of run, tag and dataset records.
    for (const which of ['plan', 'shard', 'select', 'finish'] as const) grantTableItems(table, this.functions[which]);
    // MarkFailed only moves a run to FAILED, by a conditional update of its record.
    grantTableItems(table, this.functions.markFailed, ['dynamodb:UpdateItem']);
    // Plan reads datasets and writes run intermediates, the run's column snapshot among them; Shard reads
    // the pinned manifest and the snapshot and writes its objectives; Select reads and writes the
    // checkpoint; Finish also writes the explanation (runs/), the result tag (datasets/<id>/tags/) and a
    // pool run's datapool (datasets/<id>/datapool/);
    // MarkFailed touches no object.
    bucket.grantRead(this.functions.plan, 'datasets/*');
    bucket.grantPut(this.functions.plan, 'runs-work/*');
    bucket.grantRead(this.functions.shard, 'datasets/*');
    bucket.grantRead(this.functions.shard, 'runs-work/*');
    bucket.grantPut(this.functions.shard, 'runs-work/*');
    bucket.grantRead(this.functions.select, 'datasets/*');
    bucket.grantRead(this.functions.select, 'runs-work/*');
    bucket.grantPut(this.functions.select, 'runs-work/*');
    bucket.grantRead(this.functions.finish, 'datasets/*');
    bucket.grantRead(this.functions.finish, 'runs-work/*');
    bucket.grantPut(this.functions.finish, 'runs/*');
    bucket.grantPut(this.functions.finish, 'datasets/*/tags/*');
    // A datapool run's grown pool (functions/store/datapool.ts: datasets/<id>/datapool/<run>.bits).
    bucket.grantPut(this.functions.finish, 'datasets/*/datapool/*');
    // A result tag written by a run that then failed is removed again.
    grantObjectDelete(bucket, this.functions.finish, 'datasets/*/tags/*');
    bucket.grantRead(this.stateMachine, 'runs-work/*');
  }
}

/** Sends any error of a state, under `$.error`, to the given handler. */
function catchTo(state: TaskStateBase | DistributedMap, handler: IChainable): void {
  state.addCatch(handler, { errors: ['States.ALL'], resultPath: '$.error' });
}
