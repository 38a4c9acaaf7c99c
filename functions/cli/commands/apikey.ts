/**
 * `winnow apikey create --tenant T [--name N]` / `winnow apikey revoke KEY_ID`: manages API keys directly
 * in the deployment's table, so it needs AWS credentials for it and `WINNOW_TABLE_NAME` (the stack's
 * `TableName` output; LocalStack: also `AWS_ENDPOINT_URL`). A new key is printed once, on stdout.
 */
import { parseArgs } from 'node:util';
import { DynamoApiKeyRepository, type ApiKeyRepository } from '../../store/apiKeys.js';
import { createAwsClients, winnowEnvFromProcess } from '../../store/aws.js';
import { EXIT, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = `Usage: winnow apikey create --tenant TENANT [--name NAME]
       winnow apikey revoke KEY_ID

Creates an API key for a tenant (printed once: store it) or revokes one by its id (the 32 hex digits
after "wn_"). Works on the table named by WINNOW_TABLE_NAME with the AWS credentials of the
environment; set AWS_ENDPOINT_URL for LocalStack.
`;

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function makeApiKeyCommand(repository: () => ApiKeyRepository = defaultRepository): Command {
  return {
    name: 'apikey',
    summary: 'create or revoke an API key (needs AWS access to the table)',
    usage: USAGE,
    async run(argv: string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseArgs({
        args: argv,
        options: { tenant: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
      if (values.help) {
        io.stdout(USAGE);
        return EXIT.ok;
      }
      const [action, keyId] = positionals;
      if (action === 'create') {
        if (!values.tenant || !TENANT.test(values.tenant)) throw new UsageError('create needs --tenant (letters, digits, "_", "." or "-", at most 64)');
        const { key, record } = await repository().create(values.tenant, values.name ?? 'cli');
        io.stdout(`${key}\n`);
        io.stderr(`created key ${record.keyId} for tenant ${record.tenantId}; it is shown only now\n`);
        return EXIT.ok;
      }
      if (action === 'revoke') {
        if (!keyId || !/^[0-9a-f]{32}$/.test(keyId)) throw new UsageError('revoke needs the key id (32 hex digits)');
        await repository().revoke(keyId);
        io.stderr(`revoked key ${keyId}\n`);
        return EXIT.ok;
      }
      throw new UsageError('expected "create" or "revoke"');
    },
  };
}

function defaultRepository(): ApiKeyRepository {
  const env = winnowEnvFromProcess({ WINNOW_BUCKET_NAME: 'unused', ...process.env });
  return new DynamoApiKeyRepository(createAwsClients(env).dynamo, env.tableName);
}
