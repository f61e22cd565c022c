import type { DynamoDbApi } from './dynamodb-api.ts';

/** Options for {@link forgetVisitor}. */
export interface ForgetVisitorOptions {
  readonly client: DynamoDbApi;
  /** The single Taglane table (`pk` string key). */
  readonly tableName: string;
  /** HMAC of the visitor key, as the batcher stores it (`src/identity/matomo-ids.ts`). */
  readonly keyHash: string;
}

/** What {@link forgetVisitor} erased. */
export interface Forgotten {
  /** The visitor ids the erased keys were mapped to (for Matomo's GDPR tools). */
  readonly visitorIds: readonly string[];
  /** How many keys were erased: the one given and every key linked to it. */
  readonly keys: number;
  /** The hashes of the erased keys. */
  readonly hashes: readonly string[];
}

/**
 * Deletes a person's visitor mapping (`pk = v#<hmac>`) and every key linked to it (an
 * anonymous id and the user id it became, followed transitively), the right-to-erasure half
 * Taglane holds: later events for those keys get a new visitor id. The delivery log's bucket
 * of each of those keys (`pk = l#<hmac>`, the person's delivered request ids) goes too, since
 * its key is the same HMAC. What Matomo already recorded is Matomo's to erase (its GDPR tools).
 *
 * @returns what was erased, or `undefined` when there was no mapping for the key
 */
export async function forgetVisitor(options: ForgetVisitorOptions): Promise<Forgotten | undefined> {
  const seen = new Set<string>([options.keyHash]);
  const pending = [options.keyHash];
  const visitorIds = new Set<string>();
  const hashes: string[] = [];
  for (let hash = pending.pop(); hash !== undefined; hash = pending.pop()) {
    const out = await options.client.deleteItem({
      TableName: options.tableName,
      Key: { pk: { S: `v#${hash}` } },
      ReturnValues: 'ALL_OLD',
    });
    const visitorId = out.Attributes?.visitorId?.S;
    if (visitorId === undefined) continue;
    hashes.push(hash);
    visitorIds.add(visitorId);
    if (out.Attributes?.seed?.S) visitorIds.add(out.Attributes.seed.S);
    for (const linked of out.Attributes?.links?.SS ?? []) {
      if (!seen.has(linked)) {
        seen.add(linked);
        pending.push(linked);
      }
    }
  }
  // A bucket can exist without a mapping (a browser tracker's hit without a user id).
  await Promise.all(
    [...seen].map((hash) =>
      options.client.deleteItem({ TableName: options.tableName, Key: { pk: { S: `l#${hash}` } } }),
    ),
  );
  return hashes.length === 0 ? undefined : { visitorIds: [...visitorIds], keys: hashes.length, hashes };
}
