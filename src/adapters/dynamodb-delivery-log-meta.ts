import { type DynamoDbApi, isConditionFailed } from './dynamodb-api.ts';

/**
 * The delivery log's one item about itself (`pk = m#delivery-log`): `perIdUntil`, until when
 * ids recorded by the earlier per-id layout (`pk = d#<id>`, one item per delivered request)
 * can still be live. Until then a person without a bucket also has their ids looked up by id;
 * after it, only a spilled bucket's are. A table made with buckets from the start is marked 0
 * (nothing to look up); a table upgraded in place is marked by its first recording, with that
 * recording's expiry and a day (the per-id layout wrote the same retention; the day covers
 * batchers of the earlier version still running during the deploy).
 */
const META_PK = 'm#delivery-log';

/** Options of the functions below. */
export interface DeliveryLogMetaOptions {
  readonly client: DynamoDbApi;
  readonly tableName: string;
}

/** Marks a table just created: it holds no per-id items of an earlier layout. */
export async function markNewDeliveryLog(options: DeliveryLogMetaOptions): Promise<void> {
  await markOnce(options, 0);
}

/** `perIdUntil` of the table, or `undefined` while no batcher with buckets has recorded in it. */
export async function readPerIdUntil(options: DeliveryLogMetaOptions): Promise<number | undefined> {
  const out = await options.client.getItem({
    TableName: options.tableName,
    Key: { pk: { S: META_PK } },
    ConsistentRead: true,
  });
  const until = out.Item?.perIdUntil?.N;
  return until === undefined ? undefined : Number(until);
}

/**
 * Marks an upgraded table on its first recording with buckets; returns the mark that holds (a
 * concurrent batcher may have set it first).
 */
export async function markUpgradedDeliveryLog(
  options: DeliveryLogMetaOptions,
  perIdUntil: number,
): Promise<number> {
  return (await markOnce(options, perIdUntil)) ? perIdUntil : ((await readPerIdUntil(options)) ?? perIdUntil);
}

async function markOnce(options: DeliveryLogMetaOptions, perIdUntil: number): Promise<boolean> {
  try {
    await options.client.putItem({
      TableName: options.tableName,
      Item: { pk: { S: META_PK }, perIdUntil: { N: String(perIdUntil) } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}
