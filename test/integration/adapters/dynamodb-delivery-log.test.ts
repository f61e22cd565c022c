import { createHash } from 'node:crypto';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { slotName } from '../../../src/adapters/delivery-bucket.ts';
import type { DynamoDbApi } from '../../../src/adapters/dynamodb-api.ts';
import { DynamoDbDeliveryLog } from '../../../src/adapters/dynamodb-delivery-log.ts';
import { markNewDeliveryLog, readPerIdUntil } from '../../../src/adapters/dynamodb-delivery-log-meta.ts';
import { sdkDynamoDb } from '../../../src/adapters/dynamodb-sdk.ts';
import type { LoggedRequest } from '../../../src/batcher/ports.ts';
import { startDynalite, type TestDynamo } from '../../support/dynalite.ts';
import { perFile } from '../../support/lifecycle.ts';

const dynamo = perFile(
  'dynalite',
  () => startDynalite(),
  (d) => d.close(),
);
const NOW = 1_800_000_000;

/** A request id of the queued-request contract (32 hex) and a bucket, unique per test. */
function requests(bucket: string, count: number): LoggedRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    id: createHash('sha256').update(`${bucket}-${i}`).digest('hex').slice(0, 32),
    bucket,
  }));
}

function bucketName(label: string): string {
  return createHash('sha256').update(`${label}-${Math.random()}`).digest('hex');
}

async function getItem(pk: string) {
  const { client, tableName } = dynamo.current;
  return (await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } } }))).Item;
}

const ids = (rs: readonly LoggedRequest[]): string[] => rs.map((r) => r.id).sort();

/** The client, counting the operations called through it by name. */
function countingClient(client: DynamoDbApi): { client: DynamoDbApi; calls: string[] } {
  const calls: string[] = [];
  const counted = <I, O>(name: string, call: (input: I) => Promise<O>) => {
    return (input: I): Promise<O> => {
      calls.push(name);
      return call(input);
    };
  };
  return {
    client: {
      getItem: counted('GetItem', (i) => client.getItem(i)),
      putItem: counted('PutItem', (i) => client.putItem(i)),
      updateItem: counted('UpdateItem', (i) => client.updateItem(i)),
      deleteItem: counted('DeleteItem', (i) => client.deleteItem(i)),
      batchGetItem: counted('BatchGetItem', (i) => client.batchGetItem(i)),
      batchWriteItem: counted('BatchWriteItem', (i) => client.batchWriteItem(i)),
    },
    calls,
  };
}

// The batcher's client, and the SDK's behind the same port (`taglane forget` uses it): binary
// sets, conditions and unprocessed items must come out the same through both.
const clients: [string, (d: TestDynamo) => DynamoDbApi][] = [
  ['aws-lite', (d) => d.newApi()],
  ['the AWS SDK', (d) => sdkDynamoDb(d.newClient())],
];

describe.each(clients)('the DynamoDB delivery log over %s', (_label, clientOf) => {
  it("keeps a person's delivered ids in one item and finds each of them, not others", async () => {
    const { tableName } = dynamo.current;
    const client = clientOf(dynamo.current);
    const log = new DynamoDbDeliveryLog({ client, tableName, now: () => NOW * 1000 });
    const [a, b] = [bucketName('a'), bucketName('b')];
    const sent = [...requests(a, 20), ...requests(b, 3)];
    expect(await log.record(sent, NOW + 60)).toEqual([]);
    const asked = [...sent, ...requests(a, 25).slice(20), { id: 'f'.repeat(32), bucket: b }];
    expect([...(await log.delivered(asked))].sort()).toEqual(ids(sent));
    const item = await getItem(`l#${a}`);
    expect(item?.expiresAt).toEqual({ N: String(NOW + 60) });
    expect(item?.[slotName(NOW + 60)]?.BS).toHaveLength(20);
    expect(await getItem(`d#${sent[0]?.id}`)).toBeUndefined();
  });

  it('spills a person past 1 KB to items of their own, marked in the bucket, and finds them all', async () => {
    const { tableName } = dynamo.current;
    const client = clientOf(dynamo.current);
    const log = new DynamoDbDeliveryLog({ client, tableName, now: () => NOW * 1000 });
    const key = bucketName('busy');
    const all = requests(key, 130);
    await log.record(all.slice(0, 40), NOW + 60);
    await log.record(all.slice(40, 80), NOW + 60);
    await log.record(all.slice(80), NOW + 120);
    expect([...(await log.delivered([...all, ...requests(key, 131).slice(130)]))].sort()).toEqual(ids(all));
    const bucket = await getItem(`l#${key}`);
    expect(bucket?.[slotName(NOW + 60)]?.BS).toHaveLength(40);
    // The mark outlasts every spilled id, so it was written once, not per batch.
    expect(Number(bucket?.spillUntil?.N)).toBeGreaterThanOrEqual(NOW + 120);
    expect((await getItem(`d#${all[129]?.id}`))?.expiresAt).toEqual({ N: String(NOW + 120) });
  });

  it('ignores ids past their expiry (TTL deletes lazily), removes their set later, and records them again', async () => {
    const { tableName } = dynamo.current;
    const client = clientOf(dynamo.current);
    let now = NOW;
    const log = new DynamoDbDeliveryLog({ client, tableName, now: () => now * 1000 });
    const key = bucketName('old');
    const [first, second] = requests(key, 2);
    if (!first || !second) throw new Error('two requests expected');
    await log.record([first], NOW + 60);
    expect(await log.delivered([first])).toEqual(new Set([first.id]));
    now = NOW + 7200;
    expect(await log.delivered([first])).toEqual(new Set());
    await log.record([first, second], now + 60);
    expect(await log.delivered([first, second])).toEqual(new Set([first.id, second.id]));
    const item = await getItem(`l#${key}`);
    expect(item?.[slotName(NOW + 60)]).toBeUndefined();
    expect(item?.[slotName(now + 60)]?.BS).toHaveLength(2);
  });

  it('finds an id recorded in an item of its own by the earlier layout (pk d#<id>)', async () => {
    const { client, tableName } = dynamo.current;
    const log = new DynamoDbDeliveryLog({
      client: clientOf(dynamo.current),
      tableName,
      now: () => NOW * 1000,
    });
    const [before, expired] = requests(bucketName('legacy'), 2);
    if (!before || !expired) throw new Error('two requests expected');
    for (const [request, expiresAt] of [
      [before, NOW + 60],
      [expired, NOW - 1],
    ] as const) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: `d#${request.id}` },
            deliveredAt: { N: '1' },
            expiresAt: { N: String(expiresAt) },
          },
        }),
      );
    }
    expect(await log.delivered([before, expired])).toEqual(new Set([before.id]));
  });

  it('reads each bucket once a batch: the bulks after the first plan from what was written', async () => {
    const { tableName } = dynamo.current;
    const { client, calls } = countingClient(clientOf(dynamo.current));
    const log = new DynamoDbDeliveryLog({ client, tableName, now: () => NOW * 1000 });
    const person = requests(bucketName('bulks'), 6);
    await log.delivered(person);
    await log.record(person.slice(0, 3), NOW + 60);
    await log.record(person.slice(3), NOW + 60);
    // After the reads, one update per bulk and no read again.
    expect(calls.slice(calls.indexOf('UpdateItem'))).toEqual(['UpdateItem', 'UpdateItem']);
    expect(calls.filter((c) => c === 'BatchGetItem')).toHaveLength(2);
    expect([...(await log.delivered(person))].sort()).toEqual(ids(person));
  });

  it('looks ids up by id only while the earlier layout can hold live ones: not in a new table', async () => {
    const fresh = await startDynalite();
    try {
      const counted = countingClient(clientOf(fresh));
      await markNewDeliveryLog({ client: clientOf(fresh), tableName: fresh.tableName });
      const log = new DynamoDbDeliveryLog({
        client: counted.client,
        tableName: fresh.tableName,
        now: () => NOW * 1000,
      });
      await log.delivered(requests(bucketName('new'), 3));
      // The mark, then the buckets: no lookup by id for a person without a bucket.
      expect([...counted.calls].sort()).toEqual(['BatchGetItem', 'GetItem']);
    } finally {
      await fresh.close();
    }
  });

  it('marks an upgraded table on its first recording and looks ids up by id until a day past that expiry', async () => {
    const upgraded = await startDynalite();
    try {
      let now = NOW;
      const { client, tableName } = upgraded;
      const [legacy] = requests(bucketName('legacy-2'), 1);
      if (!legacy) throw new Error('a request expected');
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: `d#${legacy.id}` }, deliveredAt: { N: '1' }, expiresAt: { N: String(NOW + 50) } },
        }),
      );
      const api = clientOf(upgraded);
      const log = new DynamoDbDeliveryLog({ client: api, tableName, now: () => now * 1000 });
      await log.record(requests(bucketName('other'), 1), NOW + 60);
      expect(await readPerIdUntil({ client: api, tableName })).toBe(NOW + 60 + 86_400);
      expect(await log.delivered([legacy])).toEqual(new Set([legacy.id]));
      now = NOW + 60 + 86_401;
      const counted = countingClient(clientOf(upgraded));
      const later = new DynamoDbDeliveryLog({ client: counted.client, tableName, now: () => now * 1000 });
      await later.delivered([legacy]);
      expect([...counted.calls].sort()).toEqual(['BatchGetItem', 'GetItem']);
    } finally {
      await upgraded.close();
    }
  });

  it('throws when the writes fail, so the batcher counts the ids unrecorded', async () => {
    const { tableName } = dynamo.current;
    const log = new DynamoDbDeliveryLog({
      client: clientOf(dynamo.current),
      tableName: `${tableName}-missing`,
    });
    await expect(log.record(requests(bucketName('x'), 2), NOW + 60)).rejects.toThrow();
  });
});
