import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDbApi } from './dynamodb-api.ts';

/**
 * An AWS SDK client behind {@link DynamoDbApi}, for a caller that has one configured its own
 * way (`taglane forget` with an operator's credential chain). The batcher runs on aws-lite's
 * `DynamoDbClient`; the adapter tests run the delivery log over both.
 */
export function sdkDynamoDb(client: DynamoDBClient): DynamoDbApi {
  return {
    getItem: (input) => client.send(new GetItemCommand(input)),
    putItem: (input) => client.send(new PutItemCommand(input)),
    updateItem: (input) => client.send(new UpdateItemCommand(input)),
    deleteItem: (input) => client.send(new DeleteItemCommand(input)),
    batchGetItem: (input) => client.send(new BatchGetItemCommand(input)),
    batchWriteItem: (input) => client.send(new BatchWriteItemCommand(input)),
  };
}
