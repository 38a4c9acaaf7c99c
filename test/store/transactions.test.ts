import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../functions/store/aws.js';
import { ConcurrentUpdateError } from '../../functions/store/errors.js';
import { writeTransaction } from '../../functions/store/transactions.js';

const env = inject('winnowEnv');
let clients: AwsClients;

beforeAll(() => {
  clients = createAwsClients(env);
});

const read = async (pk: string, sk: string) => (await clients.dynamo.send(new GetCommand({ TableName: env.tableName, Key: { pk, sk } }))).Item;

describe('writeTransaction', () => {
  it('writes every item, or none when a condition fails, and names the failed condition', async () => {
    const pk = `TXTEST#${randomUUID()}`;
    await writeTransaction(clients.dynamo, [
      { Put: { TableName: env.tableName, Item: { pk, sk: 'A', value: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: env.tableName, Item: { pk, sk: 'B', value: 1 } } },
    ]);
    expect(await read(pk, 'A')).toMatchObject({ value: 1 });
    expect(await read(pk, 'B')).toMatchObject({ value: 1 });

    // The second item's condition fails: the first item's update must not happen either.
    const attempt = writeTransaction(
      clients.dynamo,
      [
        { Update: { TableName: env.tableName, Key: { pk, sk: 'A' }, UpdateExpression: 'SET #v = :v', ExpressionAttributeNames: { '#v': 'value' }, ExpressionAttributeValues: { ':v': 2 } } },
        { ConditionCheck: { TableName: env.tableName, Key: { pk, sk: 'B' }, ConditionExpression: '#v = :expected', ExpressionAttributeNames: { '#v': 'value' }, ExpressionAttributeValues: { ':expected': 7 } } },
      ],
      { kind: 'pair', id: pk },
    );
    await expect(attempt).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await expect(attempt).rejects.toThrow(`pair '${pk}' was changed by another request`);
    expect(await read(pk, 'A')).toMatchObject({ value: 1 });

    let failedIndexes: readonly number[] = [];
    await expect(
      writeTransaction(
        clients.dynamo,
        [
          { Put: { TableName: env.tableName, Item: { pk, sk: 'C' } } },
          { Put: { TableName: env.tableName, Item: { pk, sk: 'B' }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
        {
          conflict: (failed) => {
            failedIndexes = failed;
            return new Error('taken');
          },
        },
      ),
    ).rejects.toThrow('taken');
    expect(failedIndexes).toEqual([1]);
    expect(await read(pk, 'C')).toBeUndefined();
  });
});
