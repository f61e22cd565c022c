import { createHash } from 'node:crypto';
import type { SqsBatchEntry, SqsBatchResult, SqsMessageAttribute } from '../aws-lite/sqs.ts';
import { MessageTooLargeError, type QueuePort, QueueSendError } from '../ingest/queue.ts';
import { packBody } from '../tracking/queued-pack.ts';
import type { QueuedRequest } from '../tracking/queued-request.ts';

/** SQS limits for SendMessageBatch: entries per call, bytes per message and per call. */
const MAX_ENTRIES = 10;
const MAX_BYTES = 1_048_576;
/**
 * The largest pack of several requests: SQS bills each 64 KiB of a message as one request, so
 * a bigger pack would cost as much as several messages and only delay more requests together.
 */
const PACK_BYTES = 65_536;

/**
 * The one SQS call {@link SqsQueue} makes. aws-lite's `SqsClient` is it (what ingest runs on,
 * so its bundle holds no AWS SDK); `sdkBatchSender` (sqs-sdk-batch.ts) puts an SDK client
 * behind the same port.
 */
export interface SqsBatchSender {
  sendMessageBatch(queueUrl: string, entries: readonly SqsBatchEntry[]): Promise<SqsBatchResult>;
}

/** Options for {@link SqsQueue}. */
export interface SqsQueueOptions {
  readonly client: SqsBatchSender;
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
 * {@link QueueSendError} so ingest answers 503. On a standard queue, consecutive requests share
 * a message, a pack (`src/tracking/queued-pack.ts`) of up to 64 KiB held for the longest
 * reorder delay of its requests: a POST of 100 events is one or two messages, not a hundred. A message body is the
 * {@link QueuedRequest} JSON (or a pack of them), whose deterministic `id` lets a retried send
 * be recognised downstream; on a FIFO queue each request is a message of its own and the same
 * id is the deduplication id, so SQS itself drops the duplicate.
 */
export class SqsQueue implements QueuePort {
  readonly #options: SqsQueueOptions;

  constructor(options: SqsQueueOptions) {
    this.#options = options;
  }

  async send(requests: readonly QueuedRequest[]): Promise<void> {
    const entries = this.#messages(requests).map((group) => this.#entry(group));
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
          failed.push(...batch.flatMap((e) => e.requestIds));
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
      const out = await this.#options.client.sendMessageBatch(
        this.#options.queueUrl,
        pending.map((e) => e.entry),
      );
      const failedIds = new Set(out.Failed.map((f) => f.Id));
      // Sender faults (a malformed entry) fail the same way every time: no point retrying them.
      const permanent = out.Failed.some((f) => f.SenderFault);
      pending = pending.filter((e) => failedIds.has(e.entry.Id));
      if (pending.length === 0) return [];
      if (permanent || attempt >= maxAttempts) return pending.flatMap((e) => e.requestIds);
      await sleep(backoff(attempt, this.#options.baseDelayMs ?? 50));
    }
  }

  /**
   * The requests grouped into messages, in order: on a standard queue consecutive requests
   * share one while it stays within {@link PACK_BYTES}; on FIFO each goes alone.
   */
  #messages(requests: readonly QueuedRequest[]): QueuedRequest[][] {
    if (this.#options.fifo) return requests.map((r) => [r]);
    const groups: QueuedRequest[][] = [];
    let current: QueuedRequest[] = [];
    let bytes = 0;
    for (const request of requests) {
      // An estimate (the JSON of one request) is enough: #entry measures the real body.
      const size = Buffer.byteLength(JSON.stringify(request)) + 1;
      if (current.length > 0 && bytes + size > PACK_BYTES) {
        groups.push(current);
        current = [];
        bytes = 0;
      }
      current.push(request);
      bytes += size;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }

  #delay(request: QueuedRequest): number {
    return reorderDelay(request.time, this.#options.reorderWindowSeconds ?? 0, this.#options.now);
  }

  #entry(requests: readonly QueuedRequest[]): PreparedEntry {
    const [first] = requests;
    if (first === undefined) throw new Error('a message needs a request');
    const body = packBody(requests);
    const attributes: Record<string, SqsMessageAttribute> =
      requests.length === 1
        ? {
            source: { DataType: 'String', StringValue: first.source },
            rule: { DataType: 'String', StringValue: first.rule },
            requestId: { DataType: 'String', StringValue: first.id },
          }
        : {
            source: { DataType: 'String', StringValue: first.source },
            requests: { DataType: 'Number', StringValue: String(requests.length) },
          };
    // The longest delay of the pack: every request is held at least its own window; the
    // older ones of a POST wait a few seconds more, which only widens their window.
    const delay = this.#options.fifo ? 0 : Math.max(...requests.map((r) => this.#delay(r)));
    const entry: SqsBatchEntry = {
      Id: '',
      MessageBody: body,
      MessageAttributes: attributes,
      ...(this.#options.fifo
        ? {
            MessageGroupId: createHash('sha256').update(first.visitor.key).digest('hex'),
            MessageDeduplicationId: first.id,
          }
        : {}),
      ...(delay > 0 ? { DelaySeconds: delay } : {}),
    };
    let bytes = Buffer.byteLength(body);
    for (const [name, value] of Object.entries(attributes)) {
      bytes +=
        Buffer.byteLength(name) +
        Buffer.byteLength(value.DataType) +
        Buffer.byteLength(value.StringValue ?? '');
    }
    const requestIds = requests.map((r) => r.id);
    if (bytes > MAX_BYTES) {
      throw new MessageTooLargeError(
        `a tracking request is ${bytes} bytes; SQS takes at most ${MAX_BYTES}`,
        requestIds,
      );
    }
    return { entry, bytes, requestIds };
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

interface PreparedEntry {
  readonly entry: SqsBatchEntry;
  readonly bytes: number;
  /** The requests the message carries. */
  readonly requestIds: readonly string[];
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
