import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { DeliveryLog } from '../batcher/ports.ts';
import { batchGetByPk } from './dynamodb-batch-get.ts';

/** BatchWriteItem takes at most 25 items. */
const WRITE_BATCH = 25;
/** Rounds of re-sending what DynamoDB left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 5;

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
 * attribute `expiresAt`, written with BatchWriteItem, 25 per call (one conditional PutItem per
 * id was most of a local batcher's CPU). BatchWriteItem cannot be conditional, so a second
 * delivery of the same request overwrites the first record instead of being reported: what
 * the batch read before sending found is skipped, what two invocations sent at once is not
 * seen here (docs/delivery.md, "Nothing twice"). Lone failures (the evidence that a request is
 * poison) are counted in `pk = f#<request id>`.
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
    const puts: WriteRequest[] = ids.map((id) => ({
      PutRequest: {
        Item: { pk: { S: `d#${id}` }, deliveredAt: { N: deliveredAt }, expiresAt: { N: String(expiresAt) } },
      },
    }));
    const calls: Promise<void>[] = [];
    for (let from = 0; from < puts.length; from += WRITE_BATCH) {
      calls.push(this.#write(puts.slice(from, from + WRITE_BATCH)));
    }
    const failures = (await Promise.allSettled(calls)).flatMap((r) =>
      r.status === 'rejected' ? [r.reason] : [],
    );
    if (failures.length > 0)
      throw new AggregateError(failures, `${failures.length} of ${calls.length} delivered-id writes failed`);
    // Unconditional writes cannot tell that an id was there already.
    return [];
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

  /** One BatchWriteItem call, re-sending unprocessed items (DynamoDB's throttling) a few rounds. */
  async #write(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let round = 0; round < UNPROCESSED_ROUNDS && pending.length > 0; round += 1) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const out = await this.#client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.#table]: pending } }),
      );
      pending = out.UnprocessedItems?.[this.#table] ?? [];
    }
    if (pending.length > 0) throw new Error(`${pending.length} delivered ids left unprocessed by DynamoDB`);
  }
}
