import { createHash } from 'node:crypto';
import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MessageTooLargeError, type QueuePort, QueueSendError } from '../ingest/queue.ts';
import type { QueuedRequest } from '../tracking/queued-request.ts';

/** SQS limits for SendMessageBatch: entries per call, bytes per message and per call. */
const MAX_ENTRIES = 10;
const MAX_BYTES = 1_048_576;

/** Options for {@link SqsQueue}. */
export interface SqsQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** FIFO queue: message group = hash of the visitor key, deduplication id = request id. @default false */
  readonly fifo?: boolean;
  /** Send attempts for entries SQS reports as `Failed` (the first send included). @default 4 */
  readonly maxAttempts?: number;
  /** First retry delay in ms; doubles each attempt, with jitter. @default 50 */
  readonly baseDelayMs?: number;
  /** Batch calls in flight at once for a large POST. @default 4 */
  readonly concurrency?: number;
  /**
   * The reorder window in seconds: each request stays invisible on a standard queue until this
   * long after its event time (SQS `DelaySeconds`, at most 900), so a request of the same
   * person that arrives up to this late is still delivered before it. FIFO queues keep arrival
   * order per visitor instead and ignore it. @default 0
   */
  readonly reorderWindowSeconds?: number;
  /** Clock in unix milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** The longest `DelaySeconds` SQS accepts. */
const MAX_DELAY_SECONDS = 900;

/**
 * The queue port on Amazon SQS. Requests go out with SendMessageBatch in calls of at most 10
 * entries and 1 MiB; entries SQS lists as `Failed` (throttling, internal errors) are sent
 * again with exponential backoff, and if any still fail `send` rejects with
 * {@link QueueSendError} so ingest answers 503. Message bodies are the {@link QueuedRequest}
 * JSON, whose deterministic `id` lets a retried send be recognised downstream; on a FIFO queue
 * the same id is the deduplication id, so SQS itself drops the duplicate.
 */
export class SqsQueue implements QueuePort {
  readonly #options: SqsQueueOptions;

  constructor(options: SqsQueueOptions) {
    this.#options = options;
  }

  async send(requests: readonly QueuedRequest[]): Promise<void> {
    const entries = requests.map((request) => this.#entry(request));
    const batches = chunk(entries);
    const failed: string[] = [];
    const errors: unknown[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++] ?? [];
        try {
          failed.push(...(await this.#sendBatch(batch)));
        } catch (error) {
          // A whole call failed (network, missing queue, access): every entry of it is unsent.
          errors.push(error);
          failed.push(...batch.map((e) => e.requestId));
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.#options.concurrency ?? 4, batches.length) }, worker),
    );
    if (failed.length > 0) {
      throw new QueueSendError(`${failed.length} of ${requests.length} requests were not queued`, failed, {
        cause: errors[0],
      });
    }
  }

  /** Sends one batch, retrying `Failed` entries; returns the request ids that never made it. */
  async #sendBatch(batch: readonly PreparedEntry[]): Promise<string[]> {
    const maxAttempts = this.#options.maxAttempts ?? 4;
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const out = await this.#options.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#options.queueUrl,
          Entries: pending.map((e) => e.entry),
        }),
      );
      const failedIds = new Set((out.Failed ?? []).map((f) => f.Id));
      // Sender faults (a malformed entry) fail the same way every time: no point retrying them.
      const permanent = (out.Failed ?? []).some((f) => f.SenderFault === true);
      pending = pending.filter((e) => failedIds.has(e.entry.Id));
      if (pending.length === 0) return [];
      if (permanent || attempt >= maxAttempts) return pending.map((e) => e.requestId);
      await sleep(backoff(attempt, this.#options.baseDelayMs ?? 50));
    }
  }

  #entry(request: QueuedRequest): PreparedEntry {
    const body = sqsSafeJson(request);
    const attributes: Record<string, MessageAttributeValue> = {
      source: { DataType: 'String', StringValue: request.source },
      rule: { DataType: 'String', StringValue: request.rule },
      requestId: { DataType: 'String', StringValue: request.id },
    };
    const entry: SendMessageBatchRequestEntry = { Id: '', MessageBody: body, MessageAttributes: attributes };
    if (this.#options.fifo) {
      entry.MessageGroupId = createHash('sha256').update(request.visitor.key).digest('hex');
      entry.MessageDeduplicationId = request.id;
    } else {
      const delay = reorderDelay(request.time, this.#options.reorderWindowSeconds ?? 0, this.#options.now);
      if (delay > 0) entry.DelaySeconds = delay;
    }
    let bytes = Buffer.byteLength(body);
    for (const [name, value] of Object.entries(attributes)) {
      bytes +=
        Buffer.byteLength(name) +
        Buffer.byteLength(value.DataType ?? '') +
        Buffer.byteLength(value.StringValue ?? '');
    }
    if (bytes > MAX_BYTES) {
      throw new MessageTooLargeError(`a tracking request is ${bytes} bytes; SQS takes at most ${MAX_BYTES}`, [
        request.id,
      ]);
    }
    return { entry, bytes, requestId: request.id };
  }
}

/**
 * Seconds until `window` seconds after the event time, within SQS's limits: 0 for an event
 * older than the window (nothing to wait for), at most 900 for one stamped in the future.
 */
export function reorderDelay(eventTime: number, window: number, now: () => number = Date.now): number {
  if (window <= 0) return 0;
  const wait = Math.ceil(eventTime + window - now() / 1000);
  return Math.min(Math.max(wait, 0), MAX_DELAY_SECONDS);
}

/**
 * JSON that SQS accepts as a message body. SQS refuses any character outside #x9 #xA #xD
 * #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF; JSON.stringify already escapes control
 * characters and lone surrogates, but not the noncharacters U+FFFE and U+FFFF, which a sender
 * can put in any string. Escaped, they mean the same JSON and cannot make a send fail forever.
 */
function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

interface PreparedEntry {
  readonly entry: SendMessageBatchRequestEntry;
  readonly bytes: number;
  readonly requestId: string;
}

/** Splits entries into calls of <= 10 entries and <= 1 MiB, numbering entry ids within each call. */
function chunk(entries: readonly PreparedEntry[]): PreparedEntry[][] {
  const batches: PreparedEntry[][] = [];
  let current: PreparedEntry[] = [];
  let bytes = 0;
  for (const prepared of entries) {
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + prepared.bytes > MAX_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    // Ids only need to be unique within a call; a retry reuses them to map `Failed` back.
    current.push({ ...prepared, entry: { ...prepared.entry, Id: `m${current.length}` } });
    bytes += prepared.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function backoff(attempt: number, baseMs: number): number {
  const ceiling = baseMs * 2 ** (attempt - 1);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
