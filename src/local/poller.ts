import { setMaxListeners } from 'node:events';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLambdaContext } from './lambda-context.ts';
import { toSqsRecord } from './sqs-records.ts';

/** A Lambda handler for SQS events with partial batch responses. */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** What happened to one batch; reported so the local runtime can show progress. */
export interface BatchOutcome {
  readonly size: number;
  readonly failed: number;
  /** Set when the handler threw: the whole batch is retried after the visibility timeout. */
  readonly error?: unknown;
}

/** Settings of the event source mapping being mirrored. */
export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: SqsBatchHandler;
  /** Records per invocation (Lambda: 1–10000). */
  readonly batchSize: number;
  /** How long to gather records after the first one before invoking (Lambda: MaximumBatchingWindowInSeconds). */
  readonly batchWindowMs: number;
  /**
   * Ends the window early once no message arrived for this long: a sender that stopped sends
   * no more, so waiting out the window would only delay the batch. Unset: Lambda's window.
   */
  readonly quietMs?: number;
  /** Reported to the handler through `context.getRemainingTimeInMillis()`. */
  readonly functionTimeoutMs: number;
  readonly onBatch?: (outcome: BatchOutcome) => void;
  readonly onError?: (error: unknown) => void;
  /**
   * Moves a message that failed on its `maxReceiveCount`-th receive to `queueUrl`, body and
   * attributes unchanged, as SQS's redrive policy does. Counted here because local-aws-sqs also
   * counts each ChangeMessageVisibility as a receive (SQS does not), which would move messages
   * the batcher delays early; the embedded queue's own redrive is then only a backstop.
   * Unset: the queue's redrive policy decides.
   */
  readonly deadLetters?: { readonly queueUrl: string; readonly maxReceiveCount: number };
}

/** Receives in flight at once while gathering a batch (100 messages). */
const MAX_PARALLEL_RECEIVES = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Mirrors Lambda's SQS event source mapping: gathers up to `batchSize` records within the
 * batching window, invokes the handler, deletes the records it did not report as failed and
 * leaves the failures to reappear after the visibility timeout (the queue's redrive policy
 * moves them to the dead-letter queue after maxReceiveCount receives). A handler that throws,
 * or reports an id that is not in the batch, fails the whole batch, as on AWS.
 */
export class QueuePoller {
  readonly #options: PollerOptions;
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  #busy = false;
  #draining = false;
  /**
   * Receives per message id, counted here: local-aws-sqs also counts each
   * ChangeMessageVisibility as a receive, which SQS does not, and the batcher's retry delays
   * grow with the count. Forgotten when the message is deleted.
   */
  readonly #receives = new Map<string, number>();

  constructor(options: PollerOptions) {
    this.#options = options;
    // Each parallel receive listens on it twice while SQS fails (its request and the SDK's retry
    // delay): Node's default of 10 would print a leak warning beside the real error.
    setMaxListeners(2 * MAX_PARALLEL_RECEIVES, this.#abort.signal);
  }

  /** Starts polling in the background. */
  start(): void {
    this.#running ??= this.#loop();
  }

  /**
   * Invokes without waiting for batching windows until the queue holds no message, visible
   * or in flight. Resolves with the number of messages left when `timeoutMs` ran out first.
   */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<number> {
    this.#draining = true;
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const left = this.#busy ? 1 : await this.#messagesLeft();
        if (left === 0 || Date.now() >= deadline) return left;
        await sleep(100);
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Stops polling and waits for the batch in flight, if any, for at most `graceMs`: after a
   * drain that timed out, the batch may be stuck on a Matomo that does not answer.
   */
  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.#abort.abort();
    if (graceMs === Number.POSITIVE_INFINITY) {
      await this.#running;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.#running, grace]);
    clearTimeout(timer);
  }

  async #loop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      try {
        const messages = await this.#collect();
        if (messages.length > 0) await this.#invoke(messages);
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        this.#options.onError?.(error);
        await sleep(1000);
      }
    }
  }

  async #collect(): Promise<Message[]> {
    const { batchSize, batchWindowMs } = this.#options;
    // While idle, long-poll for ONE message: local-aws-sqs answers a long poll only when it has
    // MaxNumberOfMessages or the wait is over, so asking for more would hold the first back.
    const batch = await this.#receive(1, 1);
    const windowEnds = Date.now() + batchWindowMs;
    let lastArrival = Date.now();
    const quiet = this.#options.quietMs ?? Number.POSITIVE_INFINITY;
    while (batch.length > 0 && batch.length < batchSize && !this.#abort.signal.aborted) {
      // Draining ends the window early: take what is there now, then invoke.
      if (!this.#draining && Date.now() >= Math.min(windowEnds, lastArrival + quiet)) break;
      const { messages: received, error } = await this.#receiveMany(batchSize - batch.length);
      batch.push(...received);
      if (error !== undefined) {
        // Stopping: the messages go back to the queue after the visibility timeout, as before.
        if (this.#abort.signal.aborted) throw error;
        // What was received is in flight already: hand it to the handler rather than let it wait out the timeout.
        this.#options.onError?.(error);
        break;
      }
      if (received.length > 0) {
        lastArrival = Date.now();
        continue;
      }
      if (this.#draining) break;
      await sleep(Math.min(50, Math.max(0, Math.min(windowEnds, lastArrival + quiet) - Date.now())));
    }
    return batch;
  }

  /**
   * Up to `wanted` messages through parallel receives of at most 10, as Lambda's pollers do.
   * One receive from local-aws-sqs takes at least one tick of its 10 ms scan timer, so asking
   * one after another would spend 100 ms on every 100 messages waiting for timers.
   */
  async #receiveMany(wanted: number): Promise<{ messages: Message[]; error?: unknown }> {
    const calls: Promise<Message[]>[] = [];
    for (let left = wanted; left > 0 && calls.length < MAX_PARALLEL_RECEIVES; left -= 10) {
      calls.push(this.#receive(Math.min(10, left), 0));
    }
    const messages: Message[] = [];
    let error: unknown;
    for (const result of await Promise.allSettled(calls)) {
      if (result.status === 'fulfilled') messages.push(...result.value);
      else error ??= result.reason;
    }
    return error === undefined ? { messages } : { messages, error };
  }

  async #receive(max: number, waitSeconds: number): Promise<Message[]> {
    const out = await this.#options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.#abort.signal },
    );
    return out.Messages ?? [];
  }

  async #invoke(messages: Message[]): Promise<void> {
    const { queueArn, region, handler, functionTimeoutMs } = this.#options;
    const records = messages.map((m) => {
      const receiveCount = (this.#receives.get(m.MessageId ?? '') ?? 0) + 1;
      this.#receives.set(m.MessageId ?? '', receiveCount);
      return toSqsRecord(m, { queueArn, region, receiveCount });
    });
    this.#busy = true;
    try {
      let failed: ReadonlySet<string>;
      let error: unknown;
      try {
        const response = await handler(
          { Records: records },
          createLambdaContext('taglane-batcher', functionTimeoutMs),
        );
        failed = failedIds(response, records);
      } catch (thrown) {
        error = thrown;
        failed = new Set(records.map((r) => r.messageId));
      }
      const done = records.filter((r) => !failed.has(r.messageId));
      for (const record of done) this.#receives.delete(record.messageId);
      await this.#delete(done);
      const spent = this.#receivesUsedUp(records, failed);
      if (spent.length > 0) {
        await this.#moveToDeadLetters(spent);
        for (const record of spent) this.#receives.delete(record.messageId);
        await this.#delete(spent);
      }
      this.#options.onBatch?.({
        size: records.length,
        failed: failed.size,
        ...(error === undefined ? {} : { error }),
      });
    } finally {
      this.#busy = false;
    }
  }

  /** Failed records on their last receive, when this poller keeps the count (see `deadLetters`). */
  #receivesUsedUp(records: readonly SQSRecord[], failed: ReadonlySet<string>): SQSRecord[] {
    const max = this.#options.deadLetters?.maxReceiveCount;
    if (max === undefined) return [];
    return records.filter(
      (r) => failed.has(r.messageId) && Number(r.attributes.ApproximateReceiveCount) >= max,
    );
  }

  async #moveToDeadLetters(records: readonly SQSRecord[]): Promise<void> {
    const queueUrl = this.#options.deadLetters?.queueUrl ?? '';
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      const out = await this.#options.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((r, n) => ({
            Id: String(n),
            MessageBody: r.body,
            MessageAttributes: Object.fromEntries(
              Object.entries(r.messageAttributes).map(([name, a]) => [
                name,
                {
                  DataType: a.dataType,
                  ...(a.stringValue === undefined ? {} : { StringValue: a.stringValue }),
                },
              ]),
            ),
          })),
        }),
      );
      // Not moved: left in the queue (not deleted), so the next receive tries again.
      if ((out.Failed ?? []).length > 0)
        throw new Error(`${out.Failed?.length} message(s) not moved to the dead-letter queue`);
    }
  }

  async #delete(records: readonly SQSRecord[]): Promise<void> {
    // In parallel, as Lambda does: the journal then records them with one write and one fsync.
    const calls: Promise<void>[] = [];
    for (let i = 0; i < records.length; i += 10) {
      calls.push(this.#deleteChunk(records.slice(i, i + 10)));
    }
    const failure = (await Promise.allSettled(calls)).find((r) => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  async #deleteChunk(chunk: readonly SQSRecord[]): Promise<void> {
    const out = await this.#options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.#options.queueUrl,
        Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
      }),
    );
    if (out.Failed && out.Failed.length > 0) {
      this.#options.onError?.(new Error(`could not delete ${out.Failed.length} processed message(s)`));
    }
  }

  async #messagesLeft(): Promise<number> {
    const out = await this.#options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#options.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const count = (name: QueueAttributeName): number => Number(out.Attributes?.[name] ?? 0);
    // SQS counts visible and in-flight messages apart; local-aws-sqs counts every message in
    // ApproximateNumberOfMessages. The larger of the two is right for either, and only zero matters.
    const stored = Math.max(
      count('ApproximateNumberOfMessages'),
      count('ApproximateNumberOfMessagesNotVisible'),
    );
    return stored + count('ApproximateNumberOfMessagesDelayed');
  }
}

/** Lambda's reading of a partial batch response: an unknown or empty id fails everything. */
function failedIds(
  response: SQSBatchResponse | undefined,
  records: readonly SQSRecord[],
): ReadonlySet<string> {
  const all = new Set(records.map((r) => r.messageId));
  const failures = response?.batchItemFailures ?? [];
  const failed = new Set<string>();
  for (const failure of failures) {
    if (typeof failure?.itemIdentifier !== 'string' || !all.has(failure.itemIdentifier)) return all;
    failed.add(failure.itemIdentifier);
  }
  return failed;
}
