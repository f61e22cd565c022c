import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbDeliveryLog } from '../../../src/adapters/dynamodb-delivery-log.ts';
import { startDynalite } from '../../support/dynalite.ts';
import { perFile } from '../../support/lifecycle.ts';

const dynamo = perFile(
  'dynalite',
  () => startDynalite(),
  (d) => d.close(),
);
const NOW = 1_800_000_000;

describe('the DynamoDB delivery log', () => {
  it('records more ids than one BatchWriteItem takes, each with its expiry, and finds them all', async () => {
    const { client, tableName } = dynamo.current;
    const log = new DynamoDbDeliveryLog({ client, tableName, now: () => NOW * 1000 });
    const ids = Array.from({ length: 61 }, (_, i) => `id-${i}`);
    expect(await log.record(ids, NOW + 60)).toEqual([]);
    expect([...(await log.delivered([...ids, 'never-sent']))].sort()).toEqual([...ids].sort());
    const item = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'd#id-60' } } }),
    );
    expect(item.Item).toEqual({
      pk: { S: 'd#id-60' },
      deliveredAt: { N: String(NOW) },
      expiresAt: { N: String(NOW + 60) },
    });
  });

  it('ignores records past their expiry (TTL deletes lazily) and records an id again over them', async () => {
    const { client, tableName } = dynamo.current;
    const log = new DynamoDbDeliveryLog({ client, tableName, now: () => NOW * 1000 });
    await log.record(['old'], NOW - 1);
    expect(await log.delivered(['old'])).toEqual(new Set());
    expect(await log.record(['old'], NOW + 60)).toEqual([]);
    expect(await log.delivered(['old'])).toEqual(new Set(['old']));
  });

  it('throws when the writes fail, so the batcher counts the ids unrecorded', async () => {
    const { tableName } = dynamo.current;
    const log = new DynamoDbDeliveryLog({
      client: dynamo.current.newClient(),
      tableName: `${tableName}-missing`,
    });
    await expect(log.record(['a', 'b'], NOW + 60)).rejects.toThrow(/delivered-id writes failed/);
  });
});
