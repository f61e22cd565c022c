import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { VisitorRecord, VisitorStore } from '../batcher/ports.ts';
import { batchGetByPk, isConditionFailed } from './dynamodb-batch-get.ts';

/** Options for {@link DynamoDbVisitorStore}. */
export interface DynamoDbVisitorStoreOptions {
  readonly client: DynamoDBClient;
  /** The single Taglane table (`pk` string key). */
  readonly tableName: string;
}

/**
 * Visitor ids in DynamoDB: item `pk = v#<hmac hex>` with `visitorId`, `firstSeen`, `lastSeen`
 * (unix seconds). New visitors are created with `attribute_not_exists(pk)`, so two batchers
 * racing on a new key both end with the id of whichever write landed first.
 */
export class DynamoDbVisitorStore implements VisitorStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: DynamoDbVisitorStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async getMany(hashes: readonly string[]): Promise<ReadonlyMap<string, VisitorRecord>> {
    const items = await batchGetByPk(
      hashes.map((h) => `v#${h}`),
      { client: this.#client, tableName: this.#table, attributes: ['pk', 'visitorId', 'lastSeen'] },
    );
    const out = new Map<string, VisitorRecord>();
    for (const [pk, item] of items) {
      const visitorId = item.visitorId?.S;
      if (visitorId !== undefined)
        out.set(pk.slice(2), { visitorId, lastSeen: Number(item.lastSeen?.N ?? 0) });
    }
    return out;
  }

  async create(hash: string, visitorId: string, now: number): Promise<string> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            pk: { S: `v#${hash}` },
            visitorId: { S: visitorId },
            firstSeen: { N: String(now) },
            lastSeen: { N: String(now) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return visitorId;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const out = await this.#client.send(
        new GetItemCommand({ TableName: this.#table, Key: { pk: { S: `v#${hash}` } }, ConsistentRead: true }),
      );
      const winner = out.Item?.visitorId?.S;
      if (winner === undefined)
        throw new Error('visitor item vanished after a lost create race', { cause: error });
      return winner;
    }
  }

  async link(hash: string, visitorId: string, now: number): Promise<void> {
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { pk: { S: `v#${hash}` } },
        UpdateExpression: 'SET visitorId = :v, lastSeen = :now, firstSeen = if_not_exists(firstSeen, :now)',
        ExpressionAttributeValues: { ':v': { S: visitorId }, ':now': { N: String(now) } },
      }),
    );
  }

  async touch(hash: string, now: number): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { pk: { S: `v#${hash}` } },
          UpdateExpression: 'SET lastSeen = :now',
          // A visitor forgotten meanwhile must not come back as a half item.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}
