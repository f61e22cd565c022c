import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterSink } from '../batcher/ports.ts';

/** Options for {@link SqsDeadLetterSink}. */
export interface SqsDeadLetterSinkOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
}

/** SendMessageBatch's limit of entries per call. */
const MAX_ENTRIES = 10;

/**
 * Dead letters on an SQS queue. Each message body is the original message with the reason
 * beside it, `{"reason", "detail", "messageId", "body"}`, and the reason is also a message
 * attribute so `taglane redrive` and operators can filter without parsing. SQS's
 * StartMessageMoveTask moves such a letter back unchanged; the batcher reads it as the request
 * in `body` (`src/batcher/parse.ts`).
 */
export class SqsDeadLetterSink implements DeadLetterSink {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsDeadLetterSinkOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(letters: readonly DeadLetter[]): Promise<ReadonlySet<string>> {
    const calls: Promise<readonly string[]>[] = [];
    for (let start = 0; start < letters.length; start += MAX_ENTRIES) {
      calls.push(this.#sendBatch(letters.slice(start, start + MAX_ENTRIES)));
    }
    return new Set((await Promise.all(calls)).flat());
  }

  async #sendBatch(letters: readonly DeadLetter[]): Promise<readonly string[]> {
    try {
      const out = await this.#client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: letters.map((letter, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(letter),
            MessageAttributes: { reason: { DataType: 'String', StringValue: letter.reason } },
          })),
        }),
      );
      return (out.Failed ?? []).map((f) => letters[Number(f.Id)]?.messageId ?? '');
    } catch {
      // The caller hands these messages back to the source queue, so nothing is lost.
      return letters.map((l) => l.messageId);
    }
  }
}
