import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDbClient } from '../../src/aws-lite/dynamodb.ts';

/** dynalite ships no types; this is the part of its API the tests use. */
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** A running dynalite with Taglane's table. */
export interface TestDynamo {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** An SDK client, for setting up and inspecting the table. */
  readonly client: DynamoDBClient;
  /** aws-lite's client, the one the batcher's adapters run on when deployed. */
  readonly api: DynamoDbClient;
  readonly tableName: string;
  /** A new SDK client on the same endpoint. */
  newClient(): DynamoDBClient;
  /** A new aws-lite client on the same endpoint (e.g. for a second batcher), one attempt a call. */
  newApi(): DynamoDbClient;
  close(): Promise<void>;
}

/**
 * Starts dynalite (in memory) on a random loopback port and creates the single Taglane table:
 * `pk` string hash key, on-demand, TTL on `expiresAt` — the layout of docs/architecture.md.
 */
export async function startDynalite(tableName = 'taglane'): Promise<TestDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const newClient = (): DynamoDBClient =>
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  const newApi = (): DynamoDbClient =>
    new DynamoDbClient(
      {
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        endpoint: new URL(endpoint),
        endpointConfigured: true,
      },
      { maxAttempts: 1 },
    );
  const client = newClient();
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists(
    { client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: tableName },
  );
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    )
    // dynalite does not implement UpdateTimeToLive; the attribute name is still documented here.
    .catch(() => undefined);
  return {
    endpoint,
    client,
    api: newApi(),
    tableName,
    newClient,
    newApi,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
