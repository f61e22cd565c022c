import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { DeliveryLog, LoggedRequest } from '../batcher/ports.ts';
import {
  absent,
  afterAdd,
  type Bucket,
  isBucketId,
  planWrite,
  readBucket,
  spilled,
} from './delivery-bucket.ts';
import type { DynamoDbApi } from './dynamodb-api.ts';
import { batchGetByPk } from './dynamodb-batch-get.ts';
import { markUpgradedDeliveryLog, readPerIdUntil } from './dynamodb-delivery-log-meta.ts';

/** BatchWriteItem takes at most 25 items. */
const WRITE_BATCH = 25;
/** Rounds of re-sending what DynamoDB left unprocessed (throttling) before giving up. */
const UNPROCESSED_ROUNDS = 5;
/** How long past its first recording an upgraded table still looks per-id items up. */
const UPGRADE_MARGIN_SECONDS = 86_400;
/** Buckets read by `delivered` kept for the `record` that follows; more means a leak, so it is cleared. */
const MAX_HINTS = 10_000;

/** Options for {@link DynamoDbDeliveryLog}. */
export interface DynamoDbDeliveryLogOptions {
  readonly client: DynamoDbApi;
  /** The single Taglane table (`pk` string key, TTL attribute `expiresAt`). */
  readonly tableName: string;
  /** Clock in unix milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * Delivered request ids in DynamoDB, one item per person (`pk = l#<visitor key HMAC>`, see
 * `delivery-bucket.ts`) rather than one per id: a batch reads each of its people's buckets
 * once (strongly consistent) and adds its delivered ids to each with one UpdateItem, one
 * write unit while the bucket stays within 1 KB. Every copy of a request (an SQS redelivery,
 * a sender's retry, a webhook replay, a redriven dead letter) has the same visitor key, so it
 * is looked up in the bucket its first delivery was recorded in.
 *
 * Ids of a spilled bucket (a person with more than about 50 requests in the retention) are
 * also looked up in items of their own (`pk = d#<id>`), and so are those of a person with no
 * bucket yet while ids of the earlier per-id layout may be live (`dynamodb-delivery-log-meta.ts`),
 * so a table upgraded in place loses none. Writes are unconditional:
 * what the batch read before sending is skipped, what two invocations sent at once is not
 * seen (docs/delivery.md, "Nothing twice"). Lone failures (the evidence that a request is
 * poison) are counted in `pk = f#<request id>`.
 */
export class DynamoDbDeliveryLog implements DeliveryLog {
  readonly #client: DynamoDbApi;
  readonly #table: string;
  readonly #now: () => number;
  /** What `delivered` read, so `record` does not read the same buckets again. */
  readonly #hints = new Map<string, Bucket>();
  /** Until when ids of the per-id layout may be live (`dynamodb-delivery-log-meta.ts`); read once. */
  #perIdUntil: number | undefined;

  constructor(options: DynamoDbDeliveryLogOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#now = options.now ?? Date.now;
  }

  async delivered(requests: readonly LoggedRequest[]): Promise<ReadonlySet<string>> {
    const nowSeconds = this.#nowSeconds();
    const [buckets, perIdUntil] = await Promise.all([
      this.#readBuckets(requests.map((r) => r.bucket)),
      this.#perIdWindow(),
    ]);
    // Unmarked: a batcher with buckets has not recorded here yet, per-id items may be live.
    const earlierLayout = perIdUntil === undefined || perIdUntil > nowSeconds;
    if (this.#hints.size > MAX_HINTS) this.#hints.clear();
    for (const [key, bucket] of buckets) this.#hints.set(key, bucket);
    const out = new Set<string>();
    const own: string[] = [];
    for (const { id, bucket: key } of requests) {
      const bucket = buckets.get(key);
      if (bucket?.live.has(id)) out.add(id);
      else if (bucket === undefined || spilled(bucket, nowSeconds)) own.push(id);
      // No bucket yet: its ids may be in items of their own from before buckets existed.
      else if (absent(bucket, nowSeconds) && earlierLayout) own.push(id);
      else if (!isBucketId(id)) own.push(id);
    }
    if (own.length > 0) {
      const items = await batchGetByPk(
        own.map((id) => `d#${id}`),
        { client: this.#client, tableName: this.#table, attributes: ['pk', 'expiresAt'] },
      );
      // TTL deletion runs lazily (up to days late), so expired items are ignored here.
      for (const [pk, item] of items) {
        if (Number(item.expiresAt?.N ?? 0) > nowSeconds) out.add(pk.slice(2));
      }
    }
    return out;
  }

  async record(requests: readonly LoggedRequest[], expiresAt: number): Promise<readonly string[]> {
    const nowSeconds = this.#nowSeconds();
    const byBucket = new Map<string, Set<string>>();
    const own: string[] = [];
    for (const { id, bucket } of requests) {
      if (!isBucketId(id)) own.push(id);
      else byBucket.set(bucket, (byBucket.get(bucket) ?? new Set()).add(id));
    }
    if (this.#perIdUntil === undefined && byBucket.size > 0) {
      // A day more than this recording's expiry: batchers of the earlier version still running
      // while the deploy rolls out may write per-id items a little after it.
      this.#perIdUntil = await markUpgradedDeliveryLog(
        { client: this.#client, tableName: this.#table },
        expiresAt + UPGRADE_MARGIN_SECONDS,
      );
    }
    const unread = [...byBucket.keys()].filter((key) => !this.#hints.has(key));
    const read = await this.#readBuckets(unread);
    const calls: Promise<void>[] = [];
    for (const [key, ids] of byBucket) {
      const bucket = this.#hints.get(key) ?? read.get(key);
      this.#hints.delete(key);
      if (bucket === undefined) continue;
      const fresh = [...ids].filter((id) => !bucket.live.has(id));
      if (fresh.length === 0) continue;
      const plan = planWrite(bucket, fresh, expiresAt, nowSeconds);
      if (plan.kind === 'add') {
        const values = { ':ids': { BS: [...plan.ids] }, ':e': { N: String(plan.expiresAt) } };
        const update = this.#update(
          key,
          'ADD #s :ids SET expiresAt = :e',
          plan.remove,
          { '#s': plan.slot },
          values,
        );
        // A later bulk of this batch with the same person plans from what was just written.
        calls.push(update.then(() => void this.#hints.set(key, afterAdd(bucket, plan))));
      } else {
        own.push(...plan.own);
        if (plan.spillUntil !== undefined) {
          const until = { N: String(plan.spillUntil) };
          calls.push(
            this.#update(key, 'SET spillUntil = :u, expiresAt = :u', plan.remove, {}, { ':u': until }),
          );
        }
      }
    }
    const deliveredAt = String(nowSeconds);
    const puts: WriteRequest[] = own.map((id) => ({
      PutRequest: {
        Item: { pk: { S: `d#${id}` }, deliveredAt: { N: deliveredAt }, expiresAt: { N: String(expiresAt) } },
      },
    }));
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
        const out = await this.#client.updateItem({
          TableName: this.#table,
          Key: { pk: { S: `f#${id}` } },
          UpdateExpression: 'ADD failures :one SET expiresAt = :expiresAt',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':expiresAt': { N: String(expiresAt) } },
          ReturnValues: 'UPDATED_NEW',
        });
        return [id, Number(out.Attributes?.failures?.N ?? 1)] as const;
      }),
    );
    return new Map(totals);
  }

  async #perIdWindow(): Promise<number | undefined> {
    this.#perIdUntil ??= await readPerIdUntil({ client: this.#client, tableName: this.#table });
    return this.#perIdUntil;
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** The buckets by key, every one of `keys` present (an empty bucket for no item). */
  async #readBuckets(keys: readonly string[]): Promise<Map<string, Bucket>> {
    const unique = [...new Set(keys)];
    const out = new Map<string, Bucket>();
    if (unique.length === 0) return out;
    const items = await batchGetByPk(
      unique.map((key) => `l#${key}`),
      { client: this.#client, tableName: this.#table },
    );
    const nowSeconds = this.#nowSeconds();
    for (const key of unique) out.set(key, readBucket(items.get(`l#${key}`), nowSeconds));
    return out;
  }

  /** One UpdateItem on a bucket, removing its expired sets on the way. */
  async #update(
    key: string,
    expression: string,
    remove: readonly string[],
    names: Record<string, string>,
    values: Record<string, AttributeValue>,
  ): Promise<void> {
    const removeNames = Object.fromEntries(remove.map((name, i) => [`#r${i}`, name]));
    const removal = remove.length === 0 ? '' : ` REMOVE ${Object.keys(removeNames).join(', ')}`;
    const allNames = { ...names, ...removeNames };
    await this.#client.updateItem({
      TableName: this.#table,
      Key: { pk: { S: `l#${key}` } },
      UpdateExpression: `${expression}${removal}`,
      ...(Object.keys(allNames).length > 0 ? { ExpressionAttributeNames: allNames } : {}),
      ExpressionAttributeValues: values,
    });
  }

  /** One BatchWriteItem call, re-sending unprocessed items (DynamoDB's throttling) a few rounds. */
  async #write(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let round = 0; round < UNPROCESSED_ROUNDS && pending.length > 0; round += 1) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const out = await this.#client.batchWriteItem({ RequestItems: { [this.#table]: pending } });
      pending = out.UnprocessedItems?.[this.#table] ?? [];
    }
    if (pending.length > 0) throw new Error(`${pending.length} delivered ids left unprocessed by DynamoDB`);
  }
}
