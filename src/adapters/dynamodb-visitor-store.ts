import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { PersonChange, PersonRecord, VisitorStore } from '../identity/ports.ts';
import { type DynamoDbApi, isConditionFailed } from './dynamodb-api.ts';
import { batchGetByPk } from './dynamodb-batch-get.ts';

/** Options for {@link DynamoDbVisitorStore}. */
export interface DynamoDbVisitorStoreOptions {
  readonly client: DynamoDbApi;
  /** The single Taglane table (`pk` string key). */
  readonly tableName: string;
}

/**
 * People in DynamoDB: item `pk = v#<hmac hex>` with `visitorId`, `seed`, `userBound`, `links`
 * (a string set of the linked keys' hashes), `firstSeen`, `lastSeen` (unix seconds). New keys
 * are created with `attribute_not_exists(pk)`, so two batchers racing on a new key notice it.
 * Items written before `seed` existed read with their visitor id as seed.
 */
export class DynamoDbVisitorStore implements VisitorStore {
  readonly #client: DynamoDbApi;
  readonly #table: string;

  constructor(options: DynamoDbVisitorStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async getMany(hashes: readonly string[]): Promise<ReadonlyMap<string, PersonRecord>> {
    const items = await batchGetByPk(
      hashes.map((h) => `v#${h}`),
      {
        client: this.#client,
        tableName: this.#table,
        attributes: ['pk', 'visitorId', 'seed', 'userBound', 'links', 'lastSeen'],
      },
    );
    const out = new Map<string, PersonRecord>();
    for (const [pk, item] of items) {
      const visitorId = item.visitorId?.S;
      if (visitorId === undefined) continue;
      out.set(pk.slice(2), {
        visitorId,
        seed: item.seed?.S ?? visitorId,
        userBound: item.userBound?.BOOL ?? false,
        links: item.links?.SS ?? [],
        lastSeen: Number(item.lastSeen?.N ?? 0),
      });
    }
    return out;
  }

  async create(hash: string, record: PersonChange, now: number): Promise<boolean> {
    try {
      await this.#client.putItem({
        TableName: this.#table,
        Item: {
          pk: { S: `v#${hash}` },
          visitorId: { S: record.visitorId },
          seed: { S: record.seed },
          userBound: { BOOL: record.userBound },
          ...(record.links.length > 0 ? { links: { SS: [...record.links] } } : {}),
          firstSeen: { N: String(now) },
          lastSeen: { N: String(now) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async update(hash: string, change: PersonChange, now: number): Promise<void> {
    const values: Record<string, AttributeValue> = {
      ':v': { S: change.visitorId },
      ':s': { S: change.seed },
      ':u': { BOOL: change.userBound },
      ':now': { N: String(now) },
    };
    let expression =
      'SET visitorId = :v, seed = if_not_exists(seed, :s), userBound = :u, lastSeen = :now, ' +
      'firstSeen = if_not_exists(firstSeen, :now)';
    if (change.links.length > 0) {
      values[':l'] = { SS: [...change.links] };
      expression += ' ADD links :l';
    }
    await this.#client.updateItem({
      TableName: this.#table,
      Key: { pk: { S: `v#${hash}` } },
      UpdateExpression: expression,
      ExpressionAttributeValues: values,
    });
  }

  async touch(hash: string, now: number): Promise<void> {
    try {
      await this.#client.updateItem({
        TableName: this.#table,
        Key: { pk: { S: `v#${hash}` } },
        UpdateExpression: 'SET lastSeen = :now',
        // A visitor forgotten meanwhile must not come back as a half item.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': { N: String(now) } },
      });
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}
