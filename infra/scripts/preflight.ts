/**
 * The deploy preflight: before `cdk deploy` (`npm run deploy` runs it first), compares what the stack asks
 * of Lambda with what the account allows, and stops with a line saying what to raise or to change. A
 * stack the account cannot hold otherwise fails half-way, leaving the retained table, bucket and log
 * groups behind.
 *
 *   tsx infra/scripts/preflight.ts [-c name=value …]
 *
 * What it checks (sizes from CDK context, read as the stack reads them: infra/settings.ts):
 * - Concurrency (Lambda `GetAccountSettings`): the API's reserved concurrency must leave Lambda's
 *   minimum of 100 unreserved, and what is left must hold a selection's shards at once plus the
 *   tasks and commits running beside them. A redeploy counts the API's current reservation back.
 * - Memory: no API reports the cap (new accounts are held at 3,008 MB until AWS lifts it). When the
 *   stack asks for more than 3,008 MB, the preflight asks Lambda to validate that size on a function
 *   that does not exist: a cap answers with a validation error naming it, no cap with "not found", and
 *   nothing is created or changed either way. Any other answer (e.g. no permission) is reported as a
 *   warning, not a failure.
 */
import { readFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { settingsFromContext, type StackSettings } from '../settings.js';
import { PreflightError } from './errors.js';

/** Lambda refuses a reservation that leaves fewer than this many executions unreserved. */
export const LAMBDA_MIN_UNRESERVED = 100;
/** The memory every account accepts, new ones included. */
export const LAMBDA_MEMORY_EVERY_ACCOUNT_MB = 3008;
/** Beside a selection's shards: Plan, Select or Finish (one at a time) and a commit in the background. */
export const CONCURRENCY_BESIDE_SHARDS = 2;
/** The function the memory probe addresses; it must not exist (the probe relies on "not found"). */
export const MEMORY_PROBE_FUNCTION = 'winnow-preflight-memory-probe-never-created';

/** What the stack asks of Lambda. */
export interface StackNeeds {
  /** Memory per context key (`selectMemoryMb` …), in MB. */
  readonly memoryMb: Readonly<Record<string, number>>;
  readonly apiReservedConcurrency: number;
  readonly shardConcurrency: number;
}

export function stackNeeds(settings: StackSettings): StackNeeds {
  const memoryMb = Object.fromEntries(Object.entries(settings).filter(([name]) => name.endsWith('MemoryMb')));
  return { memoryMb, apiReservedConcurrency: settings.apiReservedConcurrency, shardConcurrency: settings.shardConcurrency };
}

/** What the account allows, as read by {@link readAccountLimits}. */
export interface AccountLimits {
  /** The account's concurrency quota in the region. */
  readonly concurrentExecutions: number;
  /** What is not reserved by any function. */
  readonly unreservedConcurrentExecutions: number;
  /** What this stack's API function reserves already (a redeploy): it is counted back. */
  readonly reservedByStack: number;
  /** The largest memory the account is known to accept; undefined when not learned. */
  readonly memoryLimitMb?: number;
}

/** The reasons the account cannot hold the stack, one line each; empty when it can. */
export function checkAccount(needs: StackNeeds, limits: AccountLimits): string[] {
  const problems: string[] = [];
  const quota = `the account's "Concurrent executions" quota (${limits.concurrentExecutions}; Service Quotas, Lambda, L-B99A9384)`;
  const unreserved = limits.unreservedConcurrentExecutions + limits.reservedByStack;
  const afterApi = unreserved - needs.apiReservedConcurrency;
  if (needs.apiReservedConcurrency > 0 && afterApi < LAMBDA_MIN_UNRESERVED) {
    problems.push(
      `Lambda concurrency too low: the API reserves ${needs.apiReservedConcurrency} and Lambda keeps ${LAMBDA_MIN_UNRESERVED} unreserved, ` +
        `but only ${unreserved} are unreserved; raise ${quota}, or deploy with -c apiReservedConcurrency=0`,
    );
  } else if (needs.shardConcurrency + CONCURRENCY_BESIDE_SHARDS > afterApi) {
    const fits = Math.max(1, afterApi - CONCURRENCY_BESIDE_SHARDS);
    problems.push(
      `Lambda concurrency too low: a selection runs ${needs.shardConcurrency} shards at once and ${CONCURRENCY_BESIDE_SHARDS} other tasks beside them, ` +
        `but only ${afterApi} executions are left unreserved; raise ${quota}, or deploy with -c shardConcurrency=${fits}`,
    );
  }
  const limit = limits.memoryLimitMb;
  if (limit !== undefined) {
    const over = Object.entries(needs.memoryMb).filter(([, mb]) => mb > limit);
    if (over.length > 0) {
      problems.push(
        `Lambda memory too low: ${over.map(([name, mb]) => `${name}=${mb}`).join(', ')} over this account's cap of ${limit} MB; ` +
          `ask AWS Support to lift the memory cap, or deploy with ${over.map(([name]) => `-c ${name}=${limit}`).join(' ')}`,
      );
    }
  }
  return problems;
}

/**
 * The memory probe's answer read: the cap a validation error names, `accepted` for "not found" (the size
 * passed validation), undefined for anything else.
 */
export function memoryProbeAnswer(error: unknown): number | 'accepted' | undefined {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  if (name === 'ResourceNotFoundException') return 'accepted';
  if (name === 'ValidationException' || name === 'InvalidParameterValueException') {
    const cap = /MemorySize[\s\S]*?less than or equal to (\d+)/.exec(message ?? '');
    if (cap) return Number(cap[1]);
  }
  return undefined;
}

export interface AccountReading {
  readonly limits: AccountLimits;
  /** What could not be learned, and what that means for the deploy. */
  readonly warnings: string[];
}

/** Reads the account's limits with the SDK; `apiFunctionName` is the deployed API's, on a redeploy. */
export async function readAccountLimits(client: LambdaClient, needs: StackNeeds, apiFunctionName?: string): Promise<AccountReading> {
  const warnings: string[] = [];
  const settings = await client.send(new GetAccountSettingsCommand({}));
  const concurrentExecutions = settings.AccountLimit?.ConcurrentExecutions;
  const unreservedConcurrentExecutions = settings.AccountLimit?.UnreservedConcurrentExecutions;
  if (concurrentExecutions === undefined || unreservedConcurrentExecutions === undefined) {
    throw new PreflightError('Lambda GetAccountSettings answered without the account\'s concurrency limits');
  }
  let reservedByStack = 0;
  if (apiFunctionName) {
    try {
      const current = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: apiFunctionName }));
      reservedByStack = current.ReservedConcurrentExecutions ?? 0;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
  }
  let memoryLimitMb: number | undefined;
  const largest = Math.max(...Object.values(needs.memoryMb));
  if (largest > LAMBDA_MEMORY_EVERY_ACCOUNT_MB) {
    let answer: unknown;
    try {
      await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: MEMORY_PROBE_FUNCTION, MemorySize: largest }));
      answer = new Error(`a function named ${MEMORY_PROBE_FUNCTION} exists`);
    } catch (error) {
      answer = error;
    }
    const read = memoryProbeAnswer(answer);
    if (read === 'accepted') memoryLimitMb = largest;
    else if (read !== undefined) memoryLimitMb = read;
    else {
      const { name, message } = answer as { name?: string; message?: string };
      warnings.push(
        `could not learn the account's Lambda memory cap (${name ?? 'error'}: ${message ?? String(answer)}); ` +
          `the stack asks for up to ${largest} MB, and accounts held at ${LAMBDA_MEMORY_EVERY_ACCOUNT_MB} MB fail the deploy`,
      );
    }
  }
  return { limits: { concurrentExecutions, unreservedConcurrentExecutions, reservedByStack, ...(memoryLimitMb !== undefined ? { memoryLimitMb } : {}) }, warnings };
}

/**
 * CDK context as `cdk deploy` sees it for these arguments: cdk.json's `context`, then each `-c name=value`
 * / `--context name=value` / `--context=name=value` (the last one wins).
 */
export function contextFromArgs(cdkJsonContext: Record<string, unknown>, argv: readonly string[]): Record<string, unknown> {
  const context: Record<string, unknown> = { ...cdkJsonContext };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let pair: string | undefined;
    if (arg === '-c' || arg === '--context') pair = argv[++i];
    else if (arg.startsWith('--context=')) pair = arg.slice('--context='.length);
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new PreflightError(`context '${pair}' should be name=value`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

/** The deployed API function's name from `cdk deploy`'s outputs file, if this stage was deployed before. */
async function deployedApiFunction(outputsFile: string, stack: string): Promise<string | undefined> {
  try {
    const outputs = JSON.parse(await readFile(outputsFile, 'utf8')) as Record<string, Record<string, string> | undefined>;
    return outputs[stack]?.ApiFunctionName;
  } catch {
    return undefined;
  }
}

export interface PreflightResult {
  readonly problems: string[];
  readonly warnings: string[];
}

/** Runs the preflight for these `cdk deploy` arguments, from the project root `root`. */
export async function preflight(argv: readonly string[], root: URL, client = new LambdaClient({})): Promise<PreflightResult> {
  const cdkJson = JSON.parse(await readFile(new URL('cdk.json', root), 'utf8')) as { context?: Record<string, unknown> };
  const context = contextFromArgs(cdkJson.context ?? {}, argv);
  let settings: StackSettings;
  try {
    settings = settingsFromContext({ node: { tryGetContext: (key) => context[key] } });
  } catch (error) {
    return { problems: [(error as Error).message], warnings: [] };
  }
  const needs = stackNeeds(settings);
  const stage = typeof context.stage === 'string' ? context.stage : 'dev';
  const apiFunction = await deployedApiFunction(fileURLToPath(new URL('cdk-outputs.json', root)), `Winnow-${stage}`);
  const { limits, warnings } = await readAccountLimits(client, needs, apiFunction);
  return { problems: checkAccount(needs, limits), warnings };
}

/** Prints the outcome; returns the process exit code (1 when the account cannot hold the stack). */
export async function runPreflight(argv: readonly string[], root: URL): Promise<number> {
  let result: PreflightResult;
  try {
    result = await preflight(argv, root);
  } catch (error) {
    const { name, message } = error as Error;
    console.error(`preflight: could not read the account's Lambda settings (${name}: ${message}); check the AWS credentials and region`);
    return 1;
  }
  for (const warning of result.warnings) console.error(`preflight warning: ${warning}`);
  for (const problem of result.problems) console.error(`preflight: ${problem}`);
  if (result.problems.length > 0) return 1;
  console.error('preflight: the account can hold the stack (Lambda concurrency and memory)');
  return 0;
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  process.exitCode = await runPreflight(process.argv.slice(2), new URL('../../', import.meta.url));
}
