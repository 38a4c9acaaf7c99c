/**
 * After `npm run deploy` / `npm run deploy:local` (npm runs it as their `post` script): reads the stack's
 * outputs from `cdk-outputs.json`, creates an API key in the deployment's table (the logic of
 * `winnow apikey create`), and prints the API URL, the key and the command that tests the deployment.
 *
 *   tsx infra/scripts/postDeploy.ts [--outputs cdk-outputs.json] [--stack Winnow-dev] [--tenant e2e]
 *
 * AWS access comes from the environment as for every AWS tool; for LocalStack, `AWS_ENDPOINT_URL`. The
 * table and its region come from the outputs (`TableName`, `Region`), never from hand-edited values.
 */
import { readFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeApiKeyCommand } from '../../functions/cli/commands/apikey.js';
import { processIo, type CliIo } from '../../functions/cli/io.js';
import { DynamoApiKeyRepository } from '../../functions/store/apiKeys.js';
import { createAwsClients, winnowEnvFromProcess } from '../../functions/store/aws.js';
import { PostDeployError } from './errors.js';

/** The stack outputs this step reads (infra/stack.ts). */
export interface WinnowStackOutputs {
  readonly ApiUrl: string;
  /** The web console (CloudFront); absent from stacks deployed before it existed. */
  readonly ConsoleUrl?: string;
  readonly TableName: string;
  readonly BucketName: string;
  readonly Region?: string;
}

export interface PostDeployOptions {
  /** Path of the outputs file `cdk deploy --outputs-file` wrote. */
  readonly outputsFile: string;
  /** The stack to read; needed only when the file holds several. */
  readonly stack?: string;
  /** Tenant of the new key. */
  readonly tenant: string;
  /**
   * The environment's endpoints and region (`AWS_ENDPOINT_URL` for LocalStack, `AWS_REGION` when the
   * outputs have no `Region`); credentials come from the SDK's default chain (environment, profiles).
   */
  readonly env: NodeJS.ProcessEnv;
}

export interface PostDeployResult {
  readonly stack: string;
  readonly apiUrl: string;
  readonly apiKey: string;
}

const REQUIRED_OUTPUTS = ['ApiUrl', 'TableName', 'BucketName'] as const;

/** The named stack's outputs, or the only Winnow stack's; errors say what the file holds instead. */
export function stackOutputs(file: string, text: string, stack?: string): { stack: string; outputs: WinnowStackOutputs } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PostDeployError(`${file} is not JSON (${(error as Error).message}); it is written by "cdk deploy --outputs-file"`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new PostDeployError(`${file} should map stack names to their outputs`);
  const stacks = Object.entries(parsed as Record<string, unknown>).filter(
    ([, outputs]) => typeof outputs === 'object' && outputs !== null && 'ApiUrl' in outputs,
  ) as [string, Record<string, unknown>][];
  const chosen = stack ? stacks.find(([name]) => name === stack) : stacks.length === 1 ? stacks[0] : undefined;
  if (!chosen) {
    const names = stacks.map(([name]) => name).join(', ') || 'none';
    throw new PostDeployError(
      stack
        ? `${file} has no outputs of stack '${stack}' (stacks with an ApiUrl: ${names})`
        : `${file} should hold the outputs of one Winnow stack (stacks with an ApiUrl: ${names}); choose one with --stack`,
    );
  }
  const [name, outputs] = chosen;
  for (const key of REQUIRED_OUTPUTS) {
    if (typeof outputs[key] !== 'string' || outputs[key] === '') throw new PostDeployError(`stack '${name}' in ${file} has no ${key} output; deploy the current stack`);
  }
  return { stack: name, outputs: outputs as unknown as WinnowStackOutputs };
}

export async function postDeploy(options: PostDeployOptions, io: CliIo): Promise<PostDeployResult> {
  let text: string;
  try {
    text = await readFile(options.outputsFile, 'utf8');
  } catch (error) {
    throw new PostDeployError(`cannot read ${options.outputsFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); deploy with "npm run deploy" or "npm run deploy:local", which write it`);
  }
  const { stack, outputs } = stackOutputs(options.outputsFile, text, options.stack);
  const env = winnowEnvFromProcess({
    ...options.env,
    WINNOW_TABLE_NAME: outputs.TableName,
    WINNOW_BUCKET_NAME: outputs.BucketName,
    ...(outputs.Region ? { AWS_REGION: outputs.Region } : {}),
  });
  const repository = new DynamoApiKeyRepository(createAwsClients(env).dynamo, env.tableName);

  // `winnow apikey create`, with the table of the outputs; it prints the key on stdout, notes on stderr.
  let printed = '';
  const notes: string[] = [];
  let code: number;
  try {
    code = await makeApiKeyCommand(() => repository).run(['create', '--tenant', options.tenant, '--name', `post-deploy ${stack}`], {
      stdout: (chunk) => void (printed += chunk),
      stderr: (chunk) => void notes.push(chunk),
    });
  } catch (error) {
    notes.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    code = 1;
  }
  const apiKey = printed.trim();
  if (code !== 0 || !apiKey) {
    throw new PostDeployError(`creating an API key in table ${outputs.TableName} (${env.region}) failed: ${notes.join('').trim()}`);
  }

  io.stdout(
    [
      '',
      `Winnow is deployed (stack ${stack}).`,
      ...(outputs.ConsoleUrl ? [`  Console:  ${outputs.ConsoleUrl}   (sign in with the key below)`] : []),
      `  API URL:  ${outputs.ApiUrl}`,
      `  API key:  ${apiKey}   (tenant ${options.tenant}; shown only now — keep it)`,
      '',
      'Test the deployment:',
      `  WINNOW_API_URL=${outputs.ApiUrl} WINNOW_API_KEY=${apiKey} npm run test:e2e`,
      '',
    ].join('\n'),
  );
  return { stack, apiUrl: outputs.ApiUrl, apiKey };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      outputs: { type: 'string', default: 'cdk-outputs.json' },
      stack: { type: 'string' },
      tenant: { type: 'string', default: 'e2e' },
    },
    strict: true,
  });
  try {
    await postDeploy({ outputsFile: values.outputs, tenant: values.tenant, env: process.env, ...(values.stack ? { stack: values.stack } : {}) }, processIo);
    return 0;
  } catch (error) {
    processIo.stderr(`post-deploy: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  process.exitCode = await main(process.argv.slice(2));
}
