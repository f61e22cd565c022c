import { createHash } from 'node:crypto';
import { type AwsClientConfig, type AwsEnv, awsConfigFromEnv, SERVICES } from './config.ts';
import { AwsError } from './errors.ts';
import { type AwsClientOptions, AwsJsonClient } from './json-client.ts';

/** A message attribute as SendMessageBatch takes it (strings and numbers are all ingest sends). */
export interface SqsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
}

/** One entry of a SendMessageBatch call, in the API's own field names. */
export interface SqsBatchEntry {
  readonly Id: string;
  readonly MessageBody: string;
  readonly MessageAttributes?: Readonly<Record<string, SqsMessageAttribute>>;
  readonly DelaySeconds?: number;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

/** What SendMessageBatch answers: entries queued and entries that were not. */
export interface SqsBatchResult {
  readonly Successful: readonly { readonly Id: string; readonly MessageId?: string }[];
  readonly Failed: readonly {
    readonly Id: string;
    readonly SenderFault: boolean;
    readonly Code: string;
    readonly Message?: string;
  }[];
}

/** The body checksum SQS returned does not match what was sent: the message may be corrupt. */
export class SqsChecksumError extends AwsError {
  override readonly name = 'SqsChecksumError';
  readonly messageIds: readonly string[];
  constructor(messageIds: readonly string[]) {
    super(
      `Invalid MD5 checksum on messages: ${messageIds.join(', ')}`,
      {
        service: 'sqs',
        operation: 'SendMessageBatch',
      },
      false,
    );
    this.messageIds = messageIds;
  }
}

/**
 * Amazon SQS's SendMessageBatch over the AWS JSON 1.0 protocol, without the AWS SDK: what
 * ingest needs to queue, checked as the SDK checks it (the MD5 of each queued body).
 */
export class SqsClient {
  readonly #json: AwsJsonClient;

  constructor(config: AwsClientConfig | (() => AwsClientConfig), options: AwsClientOptions = {}) {
    this.#json = new AwsJsonClient({ ...options, service: SERVICES.sqs, config });
  }

  /** A client configured from the environment as on Lambda (see `awsConfigFromEnv`), read on first use. */
  static fromEnv(env: AwsEnv, options: AwsClientOptions = {}): SqsClient {
    return new SqsClient(() => awsConfigFromEnv(env, SERVICES.sqs), options);
  }

  /**
   * Sends up to 10 messages to `queueUrl` in one call.
   *
   * @throws AwsServiceError when the whole call is refused (`QueueDoesNotExist`, access, …).
   * @throws SqsChecksumError when a queued body's MD5 differs from the one sent.
   */
  async sendMessageBatch(queueUrl: string, entries: readonly SqsBatchEntry[]): Promise<SqsBatchResult> {
    const out = (await this.#json.call(
      'SendMessageBatch',
      { QueueUrl: queueUrl, Entries: entries },
      this.#endpointFor(queueUrl),
    )) as {
      Successful?: { Id: string; MessageId?: string; MD5OfMessageBody?: string }[];
      Failed?: { Id: string; SenderFault?: boolean; Code?: string; Message?: string }[];
    };
    const successful = out.Successful ?? [];
    const bodies = new Map(entries.map((e) => [e.Id, e.MessageBody]));
    const corrupt = successful
      .filter(
        (s) =>
          createHash('md5')
            .update(bodies.get(s.Id) ?? '')
            .digest('hex') !== s.MD5OfMessageBody,
      )
      .map((s) => s.MessageId ?? s.Id);
    if (corrupt.length > 0) throw new SqsChecksumError(corrupt);
    return {
      Successful: successful,
      Failed: failedEntries(out.Failed),
    };
  }

  /** As the SDK: a configured endpoint wins; else the queue URL's own host. */
  #endpointFor(queueUrl: string): URL {
    const config = this.#json.config;
    if (config.endpointConfigured) return config.endpoint;
    try {
      return new URL(`${new URL(queueUrl).origin}/`);
    } catch {
      return config.endpoint;
    }
  }
}

/** SendMessageBatch's `Failed` list as the API answers it (fields optional), made whole. */
export function failedEntries(
  failed:
    | readonly {
        Id?: string | undefined;
        SenderFault?: boolean | undefined;
        Code?: string | undefined;
        Message?: string | undefined;
      }[]
    | undefined,
): SqsBatchResult['Failed'] {
  return (failed ?? []).map((f) => ({
    Id: f.Id ?? '',
    SenderFault: f.SenderFault === true,
    Code: f.Code ?? 'UnknownError',
    ...(f.Message === undefined ? {} : { Message: f.Message }),
  }));
}
