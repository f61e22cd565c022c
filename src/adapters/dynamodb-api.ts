import type { DynamoDbClient } from '../aws-lite/dynamodb.ts';

/**
 * The DynamoDB operations Taglane's adapters make, one method each, in the API's own shapes
 * (the SDK's input and output types): those of aws-lite's client, named here rather than
 * listed again, so the two cannot drift apart. Implemented by aws-lite's `DynamoDbClient` (the batcher
 * and `taglane serve`) and by `sdkDynamoDb` over an SDK client (`taglane forget` on AWS, where
 * an operator's credentials may come from a profile or SSO).
 *
 * A refused condition rejects with an error whose `name` is `ConditionalCheckFailedException`
 * (see {@link isConditionFailed}); both implementations name errors after the service's code.
 */
export type DynamoDbApi = Pick<
  DynamoDbClient,
  'getItem' | 'putItem' | 'updateItem' | 'deleteItem' | 'batchGetItem' | 'batchWriteItem'
>;

/** Whether a {@link DynamoDbApi} call failed on its condition (a lost race or an existing item). */
export function isConditionFailed(error: unknown): boolean {
  // By name, the port's contract: the SDK's exception class and aws-lite's error both carry it,
  // and the batcher's bundle must not load the SDK's class to test `instanceof`.
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
