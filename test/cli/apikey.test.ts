/** `winnow apikey create|revoke` against the stand-in table. */
import { describe, expect, inject, it } from 'vitest';
import { main } from '../../functions/cli/main.js';
import { makeApiKeyCommand } from '../../functions/cli/commands/apikey.js';
import { DynamoApiKeyRepository } from '../../functions/store/apiKeys.js';
import { createAwsClients } from '../../functions/store/aws.js';

const env = inject('winnowEnv');
const repository = new DynamoApiKeyRepository(createAwsClients(env).dynamo, env.tableName);

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

describe('winnow apikey', () => {
  const commands = [makeApiKeyCommand(() => repository)];

  it('creates a key, printed once, that authenticates as its tenant; revoke ends it', async () => {
    const created = io();
    expect(await main(['apikey', 'create', '--tenant', 'acme', '--name', 'ci'], created.io, commands)).toBe(0);
    const key = created.out.stdout.trim();
    expect(key).toMatch(/^wn_[0-9a-f]{32}_/);
    expect(await repository.authenticate(key)).toMatchObject({ tenantId: 'acme', name: 'ci' });
    const keyId = key.slice(3, 35);
    const revoked = io();
    expect(await main(['apikey', 'revoke', keyId], revoked.io, commands)).toBe(0);
    expect(revoked.out.stderr).toContain(`revoked key ${keyId}`);
    expect(await repository.authenticate(key)).toBeUndefined();
  });

  it('refuses bad usage with exit code 2 and an unknown key id with 1', async () => {
    const noTenant = io();
    expect(await main(['apikey', 'create'], noTenant.io, commands)).toBe(2);
    expect(noTenant.out.stderr).toMatch(/--tenant/);
    expect(await main(['apikey', 'revoke', 'nope'], io().io, commands)).toBe(2);
    const unknown = io();
    expect(await main(['apikey', 'revoke', '0'.repeat(32)], unknown.io, commands)).toBe(1);
    expect(unknown.out.stderr).toMatch(/not found/);
  });
});
