import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDbApi } from './dynamodb-api.ts';

/** DynamoDB's limit of keys per BatchGetItem call. */
const MAX_KEYS = 100;

/** Options for {@link batchGetByPk}. */
export interface BatchGetOptions {
  readonly client: DynamoDbApi;
  readonly tableName: string;
  /** The attributes to read. @default all of them */
  readonly attributes?: readonly string[];
  /** Attempts for keys DynamoDB leaves unprocessed (throttling). @default 6 */
  readonly maxAttempts?: number;
  /** First backoff delay in milliseconds, doubled each attempt with jitter. @default 25 */
  readonly baseDelayMs?: number;
}

/**
 * Reads items by their `pk` with strongly consistent BatchGetItem calls of at most 100 keys,
 * retrying `UnprocessedKeys` with exponential backoff; throws when some are still unprocessed.
 *
 * @returns pk -> item, for the items that exist
 */
export async function batchGetByPk(
  pks: readonly string[],
  options: BatchGetOptions,
): Promise<Map<string, Record<string, AttributeValue>>> {
  const found = new Map<string, Record<string, AttributeValue>>();
  const unique = [...new Set(pks)];
  const calls: Promise<void>[] = [];
  for (let start = 0; start < unique.length; start += MAX_KEYS) {
    calls.push(getChunk(unique.slice(start, start + MAX_KEYS), options, found));
  }
  await Promise.all(calls);
  return found;
}

async function getChunk(
  pks: readonly string[],
  options: BatchGetOptions,
  found: Map<string, Record<string, AttributeValue>>,
): Promise<void> {
  const { client, tableName } = options;
  const maxAttempts = options.maxAttempts ?? 6;
  let keys: Record<string, AttributeValue>[] = pks.map((pk) => ({ pk: { S: pk } }));
  const names = Object.fromEntries((options.attributes ?? []).map((a, i) => [`#a${i}`, a]));
  const projection =
    Object.keys(names).length === 0
      ? {}
      : { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
  for (let attempt = 1; keys.length > 0; attempt += 1) {
    if (attempt > 1) await sleep(backoff(attempt - 1, options.baseDelayMs ?? 25));
    const out = await client.batchGetItem({
      RequestItems: {
        [tableName]: {
          Keys: keys,
          ConsistentRead: true,
          ...projection,
        },
      },
    });
    for (const item of out.Responses?.[tableName] ?? []) {
      const pk = item.pk?.S;
      if (pk !== undefined) found.set(pk, item);
    }
    keys = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
    if (keys.length > 0 && attempt >= maxAttempts) {
      throw new Error(`DynamoDB left ${keys.length} keys unprocessed after ${attempt} attempts`);
    }
  }
}

function backoff(retry: number, baseMs: number): number {
  const ceiling = baseMs * 2 ** retry;
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
