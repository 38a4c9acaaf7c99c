/**
 * The one-machine runtime: the stand-ins, the table and bucket, and the GraphQL API, all in this
 * process. `npm start` runs it (infra/local/main.ts); the tests start it too, so they exercise exactly
 * what a user runs.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoApiKeyRepository, newApiKey } from '../../functions/store/apiKeys.js';
import { byteCount, createAwsClients, type AwsClients, type WinnowEnv } from '../../functions/store/aws.js';
import { createApiServer, createContextFactory } from '../../functions/api/server.js';
import { jsonLogger } from '../../functions/api/requestLog.js';
import { provisionStandIns } from './bootstrap.js';
import { startGraphqlHttpServer } from './httpServer.js';
import { startDynamoStandIn, startS3StandIn } from './standins.js';
import { synthesizeWorkflowDefinition } from './stateMachine.js';
import { startLocalStepFunctions, type LocalTaskHandler } from './stepFunctions.js';
import { TaskProcesses } from './taskProcesses.js';
import { TaskThreads } from './taskThreads.js';
import { InProcessCommitDispatcher } from '../../functions/ingest/commitJobs.js';
import { createStores } from '../../functions/store/stores.js';
import { sweepOrphans } from '../../functions/sweep/orphans.js';
import { failInterruptedRuns, sweep, sweepStaleCommits } from '../../functions/sweep/sweep.js';
import { stateHandlers } from '../../functions/workflow/taskList.js';
import { WORKFLOW_TIMEOUTS } from '../workflow.js';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { selectBudgetMs, type TaskBudgets } from '../../functions/workflow/budgets.js';
import { CONSOLE_DIST } from '../../console/build.js';

export interface LocalRuntimeOptions {
  /** Where the data (when `persist` is on) and the development key live. Default `.winnow/`. */
  readonly dataDir?: string;
  /**
   * Keep DynamoDB and S3 data under `dataDir`, across restarts (the default). `false` gives a throwaway
   * instance: see `standInStorage`.
   */
  readonly persist?: boolean;
  /** GraphQL port; 0 picks a free one. Default 4000. */
  readonly port?: number;
  /** Stand-in ports; 0 (the default) picks free ones. */
  readonly dynamodbPort?: number;
  readonly s3Port?: number;
  readonly tableName?: string;
  readonly bucketName?: string;
  /** Use stand-ins that are already running (the test suite starts them once) instead of starting them. */
  readonly standIns?: { readonly dynamodb: string; readonly s3: string };
  /** Picking time per Select invocation before it checkpoints (default: the Lambda timeout less a margin). */
  readonly selectBudgetMs?: number;
  /**
   * Wraps the workflow's task handlers by state name — for injecting faults that cannot be caused
   * otherwise (a crash, a hang) in tests.
   */
  readonly wrapTask?: (state: string, handler: LocalTaskHandler) => LocalTaskHandler;
  /**
   * Called with the AWS clients the workflow's tasks use (their own set when given), e.g. to add an SDK
   * middleware that injects throttling — a fault that cannot be caused otherwise — in tests.
   */
  readonly instrumentTaskClients?: (clients: AwsClients) => void;
  /**
   * Run the workflow's tasks in worker threads, off the API's event loop. `npm start` turns it on
   * (`WINNOW_TASK_THREADS=0` turns it off); the default is off, so that tests can wrap and instrument
   * the tasks in this thread (`instrumentTaskClients` always runs them here).
   */
  readonly taskThreads?: boolean;
  /**
   * Run each workflow task in a fresh child process instead (`'process'`), as a cold Lambda runs it: its
   * peak memory in the run's task timings is then its own, not the process's that all tasks and the API
   * share. Default: `WINNOW_TASK_ISOLATION` (`process`, or `thread` for `taskThreads`), else as
   * `taskThreads` says. Slower to start each task (about a second); for measuring.
   */
  readonly taskIsolation?: TaskIsolation;
  /**
   * The workflow definition to run instead of synthesizing the stack's, which takes seconds: for a
   * process started many times over (the crash suite's), given what `synthesizeWorkflowDefinition` returned.
   */
  readonly definition?: StateMachineDefinition;
  /**
   * This runtime is the only writer of its stores, so what it finds in flight at start died with the
   * process before it: runs QUEUED or RUNNING are failed, commits COMMITTING are swept. Default: true
   * with its own stand-ins, false with `standIns` (the test suite shares them between runtimes).
   */
  readonly soleWriter?: boolean;
  /** Edits the synthesized definition before it runs (tests shorten timeouts and retry waits). */
  readonly editDefinition?: (definition: StateMachineDefinition) => StateMachineDefinition;
  /**
   * The development API key. Default: `WINNOW_API_KEY` when set, else the key kept in
   * `<dataDir>/api-key`, else a new one (written there).
   */
  readonly apiKey?: string;
  /** The tenant of the development key (default `local`). */
  readonly tenantId?: string;
  /** One JSON log line per GraphQL request (default on). */
  readonly logRequests?: boolean;
  /**
   * Uploads of more bytes than this are committed in the background, as the commit Lambda does in AWS
   * (default: `WINNOW_SYNC_COMMIT_BYTES`, else 256 MiB).
   */
  readonly syncCommitBytes?: number;
  /** Commit uploads with images within the request (default: true; false sends them to the background, as in AWS). */
  readonly syncCommitImages?: boolean;
  /**
   * The memory and time the workflow's tasks have, as the Lambdas' environment tells Plan in AWS (default:
   * none — on one machine, a run is bounded by the machine, and Plan checks no size).
   */
  readonly taskBudgets?: TaskBudgets;
  /** How often stale commits are swept while the runtime runs (default 5 minutes). */
  readonly sweepIntervalMs?: number;
  /** The web console's built files, served at `/` (default `console/dist`, built by `npm run build:console`). */
  readonly consoleDir?: string;
}

const DEFAULT_SWEEP_INTERVAL_MS = 5 * 60_000;

export type TaskIsolation = 'thread' | 'process';
export const TASK_ISOLATION_ENV = 'WINNOW_TASK_ISOLATION';

/** Where tasks run, from {@link TASK_ISOLATION_ENV} (undefined when unset). */
export function taskIsolationFromEnv(env: NodeJS.ProcessEnv = process.env): TaskIsolation | undefined {
  const value = env[TASK_ISOLATION_ENV];
  if (value === undefined || value === '') return undefined;
  if (value === 'thread' || value === 'process') return value;
  throw new Error(`${TASK_ISOLATION_ENV} must be 'thread' or 'process', got '${value}'`);
}

export interface LocalRuntime {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`; the web console is at `/` of the same origin. */
  readonly url: string;
  /** The development API key (send as `Authorization: Bearer <key>`). */
  readonly apiKey: string;
  /** The file the key is kept in, or undefined when it came from the options or `WINNOW_API_KEY`. */
  readonly apiKeyFile: string | undefined;
  /** The data directory (absolute), and whether the data in it outlives this process. */
  readonly dataDir: string;
  readonly persistent: boolean;
  /** The resources and endpoints, as a Lambda would get them from its environment. */
  readonly env: WinnowEnv;
  stop(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  // The SDK warns that its releases from 2027 on need Node 22; the local runtime supports Node 20.19+ on
  // purpose (the Lambdas run 22), so the warning only adds noise to every start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dataDir = resolve(options.dataDir ?? '.winnow');
  const started: { close(): Promise<void> }[] = [];
  // Last started, first stopped; a second call waits for the first.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const part of [...started].reverse()) await part.close();
    })());
  try {
    const endpoints = options.standIns ?? (await startStandIns(options, dataDir, started));

    const { env: storeEnv, clients } = await provisionStandIns(endpoints, {
      tableName: options.tableName ?? 'winnow',
      bucketName: options.bucketName ?? 'winnow',
    });

    // The workflow: the synthesized definition, its tasks played by the same task functions as the Lambdas.
    const deps = createStores(storeEnv, clients);
    let taskDeps = deps;
    if (options.instrumentTaskClients) {
      const taskClients = createAwsClients(storeEnv);
      options.instrumentTaskClients(taskClients);
      taskDeps = createStores(storeEnv, taskClients);
    }
    const budgetMs = options.selectBudgetMs ?? selectBudgetMs(WORKFLOW_TIMEOUTS.select.toMilliseconds());
    const handlers: Record<string, LocalTaskHandler> = stateHandlers(taskDeps, { budgets: options.taskBudgets, selectBudgetMs: () => budgetMs });
    // Off the API's event loop: each task in a worker thread (`npm start`; see `taskThreads`), or in a
    // process of its own (`taskIsolation`).
    const isolation = options.taskIsolation ?? taskIsolationFromEnv() ?? (options.taskThreads === true ? 'thread' : undefined);
    if (isolation && !options.instrumentTaskClients) {
      const data = { env: storeEnv, budgetMs, ...(options.taskBudgets ? { budgets: options.taskBudgets } : {}) };
      const runner = isolation === 'process' ? new TaskProcesses(data) : new TaskThreads(data);
      started.push(runner);
      for (const state of Object.keys(handlers)) handlers[state] = runner.handler(state);
    }
    const wrapped = Object.fromEntries(Object.entries(handlers).map(([state, handler]) => [state, options.wrapTask ? options.wrapTask(state, handler) : handler]));
    let definition = options.definition ?? synthesizeWorkflowDefinition(storeEnv.bucketName);
    if (options.editDefinition) definition = options.editDefinition(definition);
    const stepFunctions = await startLocalStepFunctions({ definition, handlers: wrapped });
    started.push(stepFunctions);
    // Commits of large uploads: after the request, in this process (the commit Lambda's work in AWS).
    const commits = new InProcessCommitDispatcher(deps);
    started.push({ close: () => commits.idle() });
    // Nothing stays stuck. As the stores' only writer (`soleWriter`: by default with its own stand-ins),
    // the runtime FAILS with a reason the runs left QUEUED or RUNNING by the last process (their
    // executions lived in it), and retries or rejects the commits it left COMMITTING, whatever their
    // lease (their process is gone); then, every `sweepIntervalMs`, the commits past their lease. Orphaned
    // objects past their grace period go at start (not awaited: it lists every dataset object) and on
    // each sweep, by the same rule as in AWS (functions/sweep/orphans.ts).
    if (options.soleWriter ?? !options.standIns) {
      await failInterruptedRuns(deps.runs);
      const logFailure = (error: unknown) => jsonLogger({ level: 'error', msg: 'sweep failed', error: String(error) });
      await sweepStaleCommits({ ...deps, commits }, new Date(), 0).catch(logFailure);
      void sweepOrphans(deps).catch(logFailure);
      const timer = setInterval(() => void sweep({ ...deps, commits }).catch(logFailure), options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
      timer.unref();
      started.push({ close: async () => clearInterval(timer) });
    }
    const { key: apiKey, file: apiKeyFile } = await developmentKey(options, dataDir);
    await new DynamoApiKeyRepository(clients.dynamo, storeEnv.tableName).ensure(apiKey, options.tenantId ?? 'local', 'development key');
    const env: WinnowEnv = {
      ...storeEnv,
      stateMachineArn: stepFunctions.stateMachineArn,
      syncCommitBytes: options.syncCommitBytes ?? byteCount(process.env, 'WINNOW_SYNC_COMMIT_BYTES'),
      syncCommitImages: options.syncCommitImages ?? process.env.WINNOW_SYNC_COMMIT_IMAGES !== 'false',
      endpoints: { ...endpoints, sfn: stepFunctions.endpoint },
    };

    const apollo = createApiServer({ ...(options.logRequests === false ? {} : { logRequest: jsonLogger }) });
    await apollo.start();
    started.push({ close: () => apollo.stop() });
    const http = await startGraphqlHttpServer({ apollo, context: createContextFactory(env, { commits }), port: options.port ?? 4000, staticDir: options.consoleDir ?? CONSOLE_DIST });
    started.push(http);
    return { url: http.url, apiKey, apiKeyFile, dataDir, persistent: options.persist !== false && !options.standIns, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function developmentKey(options: LocalRuntimeOptions, dataDir: string): Promise<{ key: string; file: string | undefined }> {
  if (options.apiKey) return { key: options.apiKey, file: undefined };
  if (process.env.WINNOW_API_KEY) return { key: process.env.WINNOW_API_KEY, file: undefined };
  const file = join(dataDir, 'api-key');
  try {
    return { key: (await readFile(file, 'utf8')).trim(), file };
  } catch {
    const { key } = newApiKey();
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return { key, file };
  }
}

/**
 * Where the stand-ins keep their data: the one place that decides between a persistent and a throwaway
 * instance. Persistent (the default, as a database would be): DynamoDB under `<dataDir>/dynamodb`, S3
 * objects under `<dataDir>/s3`, both found again by the next start. Throwaway: DynamoDB in memory and
 * S3 objects in a temporary folder that `discard` removes when the runtime stops — so a restart leaves
 * no objects behind that no table points at.
 */
export async function standInStorage(
  dataDir: string,
  persist: boolean,
): Promise<{ readonly dynamodbPath: string | undefined; readonly s3Directory: string; discard(): Promise<void> }> {
  if (persist) return { dynamodbPath: join(dataDir, 'dynamodb'), s3Directory: join(dataDir, 's3'), discard: () => Promise.resolve() };
  const scratch = await mkdtemp(join(tmpdir(), 'winnow-ephemeral-'));
  return { dynamodbPath: undefined, s3Directory: join(scratch, 's3'), discard: () => rm(scratch, { recursive: true, force: true }) };
}

async function startStandIns(
  options: LocalRuntimeOptions,
  dataDir: string,
  started: { close(): Promise<void> }[],
): Promise<{ dynamodb: string; s3: string }> {
  const storage = await standInStorage(dataDir, options.persist !== false);
  started.push({ close: () => storage.discard() });
  const dynamo = await startDynamoStandIn({ port: options.dynamodbPort ?? 0, ...(storage.dynamodbPath ? { path: storage.dynamodbPath } : {}) });
  started.push(dynamo);
  const s3 = await startS3StandIn({ port: options.s3Port ?? 0, directory: storage.s3Directory });
  started.push(s3);
  return { dynamodb: dynamo.endpoint, s3: s3.endpoint };
}

/**
 * Runtime options from the environment: `PORT`, `WINNOW_DATA_DIR`, `WINNOW_EPHEMERAL=1` (a throwaway
 * instance), `WINNOW_DYNAMODB_PORT`, `WINNOW_S3_PORT`.
 */
export function localRuntimeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalRuntimeOptions {
  const port = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new Error(`${name} must be a port number, got '${value}'`);
    return parsed;
  };
  return {
    port: port('PORT', 4000),
    dynamodbPort: port('WINNOW_DYNAMODB_PORT', 0),
    s3Port: port('WINNOW_S3_PORT', 0),
    persist: !(env.WINNOW_EPHEMERAL === '1' || env.WINNOW_EPHEMERAL === 'true'),
    taskThreads: env.WINNOW_TASK_THREADS !== '0' && env.WINNOW_TASK_THREADS !== 'false',
    ...(env.WINNOW_DATA_DIR ? { dataDir: env.WINNOW_DATA_DIR } : {}),
  };
}
