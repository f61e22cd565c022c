import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeliveryLog } from '../batcher/ports.ts';
import { batchGetByPk, isConditionFailed } from './dynamodb-batch-get.ts';

/** Options for {@link DynamoDbDeliveryLog}. */
export interface DynamoDbDeliveryLogOptions {
  readonly client: DynamoDBClient;
  /** The single Taglane table (`pk` string key, TTL attribute `expiresAt`). */
  readonly tableName: string;
  /** Clock in unix milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * Delivered request ids in DynamoDB: item `pk = d#<request id>` with `deliveredAt` and the TTL
 * attribute `expiresAt`. Writes are conditional, so the first delivery's record is kept and a
 * second delivery of the same request is detected instead of overwriting it. Lone failures
 * (the evidence that a request is poison) are counted in `pk = f#<request id>`.
 */
export class DynamoDbDeliveryLog implements DeliveryLog {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => number;

  constructor(options: DynamoDbDeliveryLogOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#now = options.now ?? Date.now;
  }

  async delivered(ids: readonly string[]): Promise<ReadonlySet<string>> {
    const items = await batchGetByPk(
      ids.map((id) => `d#${id}`),
      { client: this.#client, tableName: this.#table, attributes: ['pk', 'expiresAt'] },
    );
    // TTL deletion runs lazily (up to days late), so expired items are ignored here.
    const nowSeconds = Math.floor(this.#now() / 1000);
    const out = new Set<string>();
    for (const [pk, item] of items) {
      if (Number(item.expiresAt?.N ?? 0) > nowSeconds) out.add(pk.slice(2));
    }
    return out;
  }

  async record(ids: readonly string[], expiresAt: number): Promise<readonly string[]> {
    const deliveredAt = String(Math.floor(this.#now() / 1000));
    const results = await Promise.allSettled(
      ids.map((id) =>
        this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: {
              pk: { S: `d#${id}` },
              deliveredAt: { N: deliveredAt },
              expiresAt: { N: String(expiresAt) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
    const twice: string[] = [];
    const failures: unknown[] = [];
    for (const [index, result] of results.entries()) {
      if (result.status === 'fulfilled') continue;
      if (isConditionFailed(result.reason)) twice.push(ids[index] ?? '');
      else failures.push(result.reason);
    }
    if (failures.length > 0)
      throw new AggregateError(failures, `${failures.length} delivered ids not recorded`);
    return twice;
  }

  async countLoneFailures(ids: readonly string[], expiresAt: number): Promise<ReadonlyMap<string, number>> {
    const totals = await Promise.all(
      ids.map(async (id) => {
        const out = await this.#client.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: { pk: { S: `f#${id}` } },
            UpdateExpression: 'ADD failures :one SET expiresAt = :expiresAt',
            ExpressionAttributeValues: { ':one': { N: '1' }, ':expiresAt': { N: String(expiresAt) } },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return [id, Number(out.Attributes?.failures?.N ?? 1)] as const;
      }),
    );
    return new Map(totals);
  }
}
