import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RetryDelay, RetryScheduler } from '../batcher/ports.ts';

/** Options for {@link SqsRetryScheduler}. */
export interface SqsRetrySchedulerOptions {
  readonly client: SQSClient;
  /** The queue the batcher reads (the retried messages are on it). */
  readonly queueUrl: string;
}

/** ChangeMessageVisibilityBatch's limit of entries per call. */
const MAX_ENTRIES = 10;

/**
 * Delays retried messages with ChangeMessageVisibilityBatch. Lambda's event source mapping
 * leaves a message reported in `batchItemFailures` untouched, so the visibility set here is
 * when it comes back; the receive count keeps growing, and with it the next delay.
 */
export class SqsRetryScheduler implements RetryScheduler {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsRetrySchedulerOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async delay(retries: readonly RetryDelay[]): Promise<ReadonlySet<string>> {
    const calls: Promise<readonly string[]>[] = [];
    for (let start = 0; start < retries.length; start += MAX_ENTRIES) {
      calls.push(this.#delayBatch(retries.slice(start, start + MAX_ENTRIES)));
    }
    return new Set((await Promise.all(calls)).flat());
  }

  async #delayBatch(retries: readonly RetryDelay[]): Promise<readonly string[]> {
    try {
      const out = await this.#client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: retries.map((retry, index) => ({
            Id: String(index),
            ReceiptHandle: retry.receiptHandle,
            VisibilityTimeout: retry.seconds,
          })),
        }),
      );
      return (out.Failed ?? []).map((f) => retries[Number(f.Id)]?.messageId ?? '');
    } catch {
      return retries.map((r) => r.messageId);
    }
  }
}
