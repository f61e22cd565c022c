import { DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Options for {@link forgetVisitor}. */
export interface ForgetVisitorOptions {
  readonly client: DynamoDBClient;
  /** The single Taglane table (`pk` string key). */
  readonly tableName: string;
  /** HMAC of the visitor key, as the batcher stores it (`src/batcher/visitors.ts`). */
  readonly keyHash: string;
}

/**
 * Deletes a person's visitor mapping (`pk = v#<hmac>`), the right-to-erasure half Taglane
 * holds: later events for the same key get a new visitor id. What Matomo already recorded is
 * Matomo's to erase (its GDPR tools).
 *
 * @returns the visitor id that was forgotten, or `undefined` when there was no mapping
 */
export async function forgetVisitor(options: ForgetVisitorOptions): Promise<string | undefined> {
  const out = await options.client.send(
    new DeleteItemCommand({
      TableName: options.tableName,
      Key: { pk: { S: `v#${options.keyHash}` } },
      ReturnValues: 'ALL_OLD',
    }),
  );
  return out.Attributes?.visitorId?.S;
}
