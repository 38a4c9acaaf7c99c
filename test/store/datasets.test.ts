import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/store/aws.js';
import { DynamoDatasetRepository } from '../../functions/store/datasets.js';
import { AlreadyExistsError, InvalidCursorError, NotFoundError } from '../../functions/store/errors.js';

const env = inject('winnowEnv');
let clients: AwsClients;
let repo: DynamoDatasetRepository;
const tenant = () => `tenant-${randomUUID()}`;

beforeAll(() => {
  clients = createAwsClients(env);
  repo = new DynamoDatasetRepository(clients.dynamo, env.tableName);
});

describe('DynamoDatasetRepository', () => {
  it('creates a dataset and reads it back', async () => {
    const tenantId = tenant();
    const created = await repo.create({ tenantId, name: 'street scenes' });
    expect(created).toMatchObject({ tenantId, name: 'street scenes', sampleCount: 0 });
    expect(Date.parse(created.createdAt)).not.toBeNaN();
    expect(await repo.get(tenantId, created.id)).toEqual(created);
  });

  it('keeps names unique per tenant, and only per tenant', async () => {
    const tenantId = tenant();
    await repo.create({ tenantId, name: 'dup' });
    await expect(repo.create({ tenantId, name: 'dup' })).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await repo.list(tenantId, { limit: 10 })).items).toHaveLength(1);
    const other = await repo.create({ tenantId: tenant(), name: 'dup' });
    expect(other.name).toBe('dup');
  });

  it("reports another tenant's dataset exactly like a missing one", async () => {
    const created = await repo.create({ tenantId: tenant(), name: 'private' });
    await expect(repo.get(tenant(), created.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.get(created.tenantId, randomUUID())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists in creation order, page by page', async () => {
    const tenantId = tenant();
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) await repo.create({ tenantId, name });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.list(tenantId, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((d) => d.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual(names);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('refuses a cursor issued for another listing, and garbage', async () => {
    const tenantA = tenant();
    await repo.create({ tenantId: tenantA, name: 'x' });
    await repo.create({ tenantId: tenantA, name: 'y' });
    const { nextCursor } = await repo.list(tenantA, { limit: 1 });
    expect(nextCursor).toBeDefined();
    await expect(repo.list(tenant(), { limit: 1, cursor: nextCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(repo.list(tenantA, { limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('a failed create leaves neither the name claim nor the record', async () => {
    const tenantId = tenant();
    // Fault injection: fail the write once, as a dropped connection would.
    const faulty = createAwsClients(env).dynamo;
    let puts = 0;
    faulty.middlewareStack.add(
      (next) => async (args) => {
        if ((args.input as { TransactItems?: unknown[] }).TransactItems !== undefined && puts++ === 0) {
          throw new Error('injected write failure');
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectFault' },
    );
    const faultyRepo = new DynamoDatasetRepository(faulty, env.tableName);
    await expect(faultyRepo.create({ tenantId, name: 'retry-me' })).rejects.toThrow('injected write failure');
    const claim = await clients.dynamo.send(
      new GetCommand({ TableName: env.tableName, Key: { pk: `TENANT#${tenantId}`, sk: 'DATASETNAME#retry-me' } }),
    );
    expect(claim.Item).toBeUndefined();
    expect((await repo.list(tenantId, { limit: 10 })).items).toHaveLength(0);
    const created = await repo.create({ tenantId, name: 'retry-me' });
    expect(created.name).toBe('retry-me');
  });
});
