import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isConditionFailed } from '../../../src/adapters/dynamodb-api.ts';
import { sdkDynamoDb } from '../../../src/adapters/dynamodb-sdk.ts';
import { DynamoDbClient, DynamoDbServiceError } from '../../../src/aws-lite/dynamodb.ts';
import { AwsServiceError } from '../../../src/aws-lite/errors.ts';
import { type ScriptedAnswer, startAwsJsonServer } from '../../support/aws-json-server.ts';
import { startDynalite } from '../../support/dynalite.ts';
import { perFile } from '../../support/lifecycle.ts';

const dynamo = perFile(
  'dynalite',
  () => startDynalite(),
  (d) => d.close(),
);

const bytes = (...values: number[]) => new Uint8Array(values);

/** Every kind of attribute value, binary ones with bytes base64 would mangle if sent raw. */
const ITEM = {
  pk: { S: 'x#every-kind' },
  n: { N: '42.5' },
  flag: { BOOL: true },
  nothing: { NULL: true },
  names: { SS: ['a', 'b'] },
  numbers: { NS: ['1', '2'] },
  blob: { B: bytes(0, 255, 10, 13, 0x22) },
  blobs: { BS: [bytes(1, 2, 3), bytes(0xfe, 0xff)] },
  list: { L: [{ S: 'in a list' }, { B: bytes(7) }] },
  map: { M: { B: { S: 'an attribute named B' }, BS: { N: '1' } } },
};

describe('aws-lite DynamoDB, against dynalite', () => {
  it('puts and gets an item with every kind of value, binary ones round-tripped as the SDK reads them', async () => {
    const { api, client, tableName } = dynamo.current;
    await api.putItem({ TableName: tableName, Item: ITEM });
    const mine = await api.getItem({ TableName: tableName, Key: { pk: ITEM.pk }, ConsistentRead: true });
    const sdks = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: ITEM.pk } }));
    expect(mine.Item).toEqual(ITEM);
    expect(mine.Item).toEqual(sdks.Item);
    expect(mine.Item?.blob?.B).toBeInstanceOf(Uint8Array);
  });

  it('reads binary values the SDK wrote, and gets nothing for a missing key', async () => {
    const { api, client, tableName } = dynamo.current;
    const item = { pk: { S: 'x#by-sdk' }, ids: { BS: [bytes(9, 8, 7), bytes(6)] } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
    expect((await api.getItem({ TableName: tableName, Key: { pk: item.pk } })).Item).toEqual(item);
    expect((await api.getItem({ TableName: tableName, Key: { pk: { S: 'x#none' } } })).Item).toBeUndefined();
  });

  it('updates an item and answers its new values; deletes one and answers what it held', async () => {
    const { api, tableName } = dynamo.current;
    const Key = { pk: { S: 'x#counter' } };
    const add = {
      TableName: tableName,
      Key,
      UpdateExpression: 'ADD hits :one, ids :id SET label = :l',
      ExpressionAttributeValues: { ':one': { N: '1' }, ':id': { BS: [bytes(1)] }, ':l': { S: 'c' } },
      ReturnValues: 'UPDATED_NEW' as const,
    };
    await api.updateItem(add);
    const out = await api.updateItem({
      ...add,
      ExpressionAttributeValues: { ...add.ExpressionAttributeValues, ':id': { BS: [bytes(2)] } },
    });
    expect(out.Attributes?.hits).toEqual({ N: '2' });
    expect(out.Attributes?.ids?.BS?.map((b) => [...b]).sort()).toEqual([[1], [2]]);
    const gone = await api.deleteItem({ TableName: tableName, Key, ReturnValues: 'ALL_OLD' });
    expect(gone.Attributes?.label).toEqual({ S: 'c' });
    expect((await api.getItem({ TableName: tableName, Key })).Item).toBeUndefined();
  });

  it('writes and reads in batches, with a projection, and answers no unprocessed work', async () => {
    const { api, tableName } = dynamo.current;
    const pks = Array.from({ length: 30 }, (_, i) => `x#batch-${i}`);
    const puts = pks.map((pk, i) => ({
      PutRequest: { Item: { pk: { S: pk }, i: { N: String(i) }, b: { B: bytes(i) } } },
    }));
    for (const chunk of [puts.slice(0, 25), puts.slice(25)]) {
      const out = await api.batchWriteItem({ RequestItems: { [tableName]: chunk } });
      expect(out.UnprocessedItems).toEqual({});
    }
    const read = await api.batchGetItem({
      RequestItems: {
        [tableName]: {
          Keys: pks.map((pk) => ({ pk: { S: pk } })),
          ConsistentRead: true,
          ProjectionExpression: 'pk, #b',
          ExpressionAttributeNames: { '#b': 'b' },
        },
      },
    });
    const items = read.Responses?.[tableName] ?? [];
    expect(items).toHaveLength(30);
    expect(items.find((item) => item.pk?.S === 'x#batch-29')).toEqual({
      pk: { S: 'x#batch-29' },
      b: { B: bytes(29) },
    });
    expect(read.UnprocessedKeys).toEqual({});
    await api.batchWriteItem({
      RequestItems: { [tableName]: [{ DeleteRequest: { Key: { pk: { S: 'x#batch-0' } } } }] },
    });
    expect(
      (await api.getItem({ TableName: tableName, Key: { pk: { S: 'x#batch-0' } } })).Item,
    ).toBeUndefined();
  });

  it('names a refused condition ConditionalCheckFailedException, as the SDK does, without retrying it', async () => {
    const { api, tableName } = dynamo.current;
    const put = {
      TableName: tableName,
      Item: { pk: { S: 'x#once' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
    await api.putItem(put);
    const failure = await api.putItem(put).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DynamoDbServiceError);
    expect(failure).toBeInstanceOf(AwsServiceError);
    expect(failure).toMatchObject({
      name: 'ConditionalCheckFailedException',
      code: 'ConditionalCheckFailedException',
      statusCode: 400,
      operation: 'PutItem',
      attempts: 1,
      retryable: false,
    });
    expect((failure as Error).message).toBe(
      'PutItem: ConditionalCheckFailedException (HTTP 400): The conditional request failed',
    );
    expect(isConditionFailed(failure)).toBe(true);
    const sdkFailure = await sdkDynamoDb(dynamo.current.newClient())
      .putItem(put)
      .catch((error: unknown) => error);
    expect(isConditionFailed(sdkFailure)).toBe(true);
    expect(isConditionFailed(new Error('ConditionalCheckFailedException'))).toBe(false);
  });

  it("names other refusals after the service's code: a missing table, an invalid expression", async () => {
    const { api, tableName } = dynamo.current;
    const missing = await api
      .getItem({ TableName: `${tableName}-missing`, Key: { pk: { S: 'x' } } })
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      statusCode: 400,
      operation: 'GetItem',
    });
    const invalid = await api
      .updateItem({ TableName: tableName, Key: { pk: { S: 'x' } }, UpdateExpression: 'SET = 1' })
      .catch((error: unknown) => error);
    expect(invalid).toMatchObject({ name: 'ValidationException', statusCode: 400 });
    expect(isConditionFailed(invalid)).toBe(false);
  });
});

describe('aws-lite DynamoDB, against a scripted DynamoDB', () => {
  async function clientFor(script: readonly ScriptedAnswer[]) {
    const server = await startAwsJsonServer(script);
    const waits: number[] = [];
    const client = new DynamoDbClient(
      {
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
        endpoint: server.endpoint,
        endpointConfigured: true,
      },
      { sleep: async (ms) => void waits.push(ms) },
    );
    return { server, client, waits };
  }

  it('passes UnprocessedItems and ConsumedCapacity through, their binary values decoded', async () => {
    const unprocessed = {
      t: [
        { PutRequest: { Item: { pk: { S: 'l#a' }, e1: { BS: [Buffer.from([1, 2]).toString('base64')] } } } },
      ],
    };
    const { server, client } = await clientFor([
      {
        status: 200,
        json: { UnprocessedItems: unprocessed, ConsumedCapacity: [{ TableName: 't', CapacityUnits: 1 }] },
      },
    ]);
    try {
      const item = { pk: { S: 'l#a' }, e1: { BS: [bytes(1, 2)] } };
      const out = await client.batchWriteItem({
        RequestItems: { t: [{ PutRequest: { Item: item } }] },
        ReturnConsumedCapacity: 'TOTAL',
      });
      expect(out.UnprocessedItems).toEqual({ t: [{ PutRequest: { Item: item } }] });
      expect(out.ConsumedCapacity).toEqual([{ TableName: 't', CapacityUnits: 1 }]);
      const [call] = server.calls;
      expect(call?.target).toBe('DynamoDB_20120810.BatchWriteItem');
      expect(call?.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(call?.headers.authorization).toMatch(
        /Credential=AKID\/\d{8}\/eu-west-1\/dynamodb\/aws4_request/,
      );
      expect(JSON.parse(call?.body ?? '')).toEqual({
        RequestItems: { t: [{ PutRequest: { Item: { pk: { S: 'l#a' }, e1: { BS: ['AQI='] } } } }] },
        ReturnConsumedCapacity: 'TOTAL',
      });
    } finally {
      await server.close();
    }
  });

  it('retries throttling and a 5xx as the SDK does, then gives up after three attempts', async () => {
    const throttled = (type: string): ScriptedAnswer => ({
      status: 400,
      json: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'slow down' },
    });
    const { server, client, waits } = await clientFor([
      throttled('ProvisionedThroughputExceededException'),
      { status: 500, json: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' } },
      throttled('ThrottlingException'),
      throttled('RequestLimitExceeded'),
    ]);
    try {
      const failure = await client
        .getItem({ TableName: 't', Key: { pk: { S: 'x' } } })
        .catch((error: unknown) => error);
      expect(failure).toMatchObject({ name: 'ThrottlingException', attempts: 3, retryable: true });
      expect(server.calls).toHaveLength(3);
      expect(waits).toHaveLength(2);
      const again = await client
        .getItem({ TableName: 't', Key: { pk: { S: 'x' } } })
        .catch((e: unknown) => e);
      expect(again).toMatchObject({ name: 'RequestLimitExceeded', attempts: 3 });
    } finally {
      await server.close();
    }
  });
});
