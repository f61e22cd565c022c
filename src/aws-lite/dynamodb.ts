import type {
  BatchGetItemInput,
  BatchGetItemOutput,
  BatchWriteItemInput,
  BatchWriteItemOutput,
  DeleteItemInput,
  DeleteItemOutput,
  GetItemInput,
  GetItemOutput,
  PutItemInput,
  PutItemOutput,
  UpdateItemInput,
  UpdateItemOutput,
} from '@aws-sdk/client-dynamodb';
import { type AwsClientConfig, type AwsEnv, awsConfigFromEnv, SERVICES } from './config.ts';
import { AwsServiceError } from './errors.ts';
import { type AwsClientOptions, AwsJsonClient, type JsonCodec } from './json-client.ts';

/**
 * An error answer of DynamoDB, named as the SDK names its exception for that code
 * (`ConditionalCheckFailedException`, `ResourceNotFoundException`, …), so code that tells a
 * failed condition by the error's `name` works with either client.
 */
export class DynamoDbServiceError extends AwsServiceError {
  override readonly name: string;

  constructor(error: AwsServiceError) {
    super(
      { code: error.code, statusCode: error.statusCode, message: error.message, requestId: error.requestId },
      { service: error.service, operation: error.operation, attempts: error.attempts },
      error.retryable,
    );
    this.name = error.code;
    // The service's own message, not prefixed twice with the operation and code.
    this.message = error.message;
  }
}

/**
 * DynamoDB over the AWS JSON 1.0 protocol, without the AWS SDK: the item operations the
 * batcher and `taglane forget` make, with the SDK's own input and output shapes. Beside the
 * shared JSON client's signing and standard-mode retries (throttling such as
 * `ProvisionedThroughputExceededException`, and 5xx), the one difference from the SDK's wire
 * handling is binary values: base64 strings on the wire, `Uint8Array` in the objects.
 * `UnprocessedKeys`, `UnprocessedItems` and `ConsumedCapacity` pass through as answered.
 */
export class DynamoDbClient {
  readonly #json: AwsJsonClient;

  constructor(config: AwsClientConfig | (() => AwsClientConfig), options: AwsClientOptions = {}) {
    this.#json = new AwsJsonClient({
      // The SDK sets no timeout at all; a slow DynamoDB answer is rarer than a slow SQS one,
      // and a retry after a timeout repeats a write, so the limit is generous.
      timeoutMs: 5000,
      ...options,
      service: SERVICES.dynamodb,
      config,
      codec: BINARY_AS_BASE64,
    });
  }

  /** A client configured from the environment as on Lambda (see `awsConfigFromEnv`), read on first use. */
  static fromEnv(env: AwsEnv, options: AwsClientOptions = {}): DynamoDbClient {
    return new DynamoDbClient(() => awsConfigFromEnv(env, SERVICES.dynamodb), options);
  }

  /** Where the client sends its calls (resolved on first use). */
  get endpoint(): URL {
    return this.#json.config.endpoint;
  }

  /** @throws DynamoDbServiceError, AwsTimeoutError, AwsNetworkError, AwsConfigError. */
  getItem(input: GetItemInput): Promise<GetItemOutput> {
    return this.#call('GetItem', input);
  }

  /** @throws DynamoDbServiceError (`ConditionalCheckFailedException` for a refused condition), … */
  putItem(input: PutItemInput): Promise<PutItemOutput> {
    return this.#call('PutItem', input);
  }

  /** @throws DynamoDbServiceError (`ConditionalCheckFailedException` for a refused condition), … */
  updateItem(input: UpdateItemInput): Promise<UpdateItemOutput> {
    return this.#call('UpdateItem', input);
  }

  /** @throws DynamoDbServiceError (`ConditionalCheckFailedException` for a refused condition), … */
  deleteItem(input: DeleteItemInput): Promise<DeleteItemOutput> {
    return this.#call('DeleteItem', input);
  }

  /** Keys DynamoDB did not read come back in `UnprocessedKeys`, for the caller to retry. */
  batchGetItem(input: BatchGetItemInput): Promise<BatchGetItemOutput> {
    return this.#call('BatchGetItem', input);
  }

  /** Writes DynamoDB did not make come back in `UnprocessedItems`, for the caller to retry. */
  batchWriteItem(input: BatchWriteItemInput): Promise<BatchWriteItemOutput> {
    return this.#call('BatchWriteItem', input);
  }

  async #call<Output>(operation: string, input: object): Promise<Output> {
    try {
      // The wire shapes are the SDK's (binary decoded by the codec); DynamoDB checks the input.
      return (await this.#json.call(operation, input)) as Output;
    } catch (error) {
      if (error instanceof AwsServiceError) throw new DynamoDbServiceError(error);
      throw error;
    }
  }
}

/**
 * Binary attribute values (`B`, and the elements of `BS`) are the only blobs in DynamoDB's
 * API: `Uint8Array` in the SDK's shapes, base64 strings on the wire.
 */
const BINARY_AS_BASE64: JsonCodec = {
  replacer(this: unknown, key: string, value: unknown): unknown {
    // A Buffer has been turned into `{ type, data }` by its toJSON already; the holder has it as it was.
    const raw = (this as Record<string, unknown>)[key];
    return raw instanceof Uint8Array ? toBase64(raw) : value;
  },
  reviver(key: string, value: unknown): unknown {
    // Only an attribute value has a string under `B` or a list under `BS`; an item's
    // attributes of those names hold objects.
    if (key === 'B' && typeof value === 'string') return fromBase64(value);
    if (key === 'BS' && Array.isArray(value)) {
      return value.map((element: unknown) => (typeof element === 'string' ? fromBase64(element) : element));
    }
    return value;
  },
};

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A plain `Uint8Array`, as the SDK returns, over the decoded bytes (not copied again). */
function fromBase64(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
