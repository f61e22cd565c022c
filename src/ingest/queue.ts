import type { QueuedRequest } from '../tracking/queued-request.ts';

/**
 * Where validated tracking requests go. `send` resolves only when EVERY request is durably
 * queued; otherwise it rejects (with {@link QueueSendError} or the transport's error) and
 * ingest answers 503 so the sender retries. Requests queued before a failure may be queued
 * again by that retry: their deterministic ids let the batcher drop the duplicates.
 */
export interface QueuePort {
  /**
   * @param from the HTTP request they came from: its correlation id (`IngestRequest.requestId`),
   *   for whoever watches the port (the local debugger); queues need not keep it.
   */
  send(requests: readonly QueuedRequest[], from?: { readonly requestId: string }): Promise<void>;
}

/** Some requests were not queued after the adapter's retries. */
export class QueueSendError extends Error {
  override readonly name: string = 'QueueSendError';
  /** Request ids that were not queued. */
  readonly failedIds: readonly string[];

  constructor(message: string, failedIds: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.failedIds = failedIds;
  }
}

/** A request is larger than the queue accepts: retrying cannot help, so this is not a 503. */
export class MessageTooLargeError extends QueueSendError {
  override readonly name = 'MessageTooLargeError';
}

/**
 * A queue held in memory: for unit tests and single-process tools. It is a real adapter of the
 * port (ordering, all-or-nothing per call), not a mock; `failNext` makes the next sends fail
 * the way an unavailable queue does.
 */
export class MemoryQueue implements QueuePort {
  readonly messages: QueuedRequest[] = [];
  #failures = 0;

  /** Makes the next `count` calls to `send` reject without queuing anything. */
  failNext(count = 1): void {
    this.#failures = count;
  }

  async send(requests: readonly QueuedRequest[]): Promise<void> {
    if (this.#failures > 0) {
      this.#failures -= 1;
      throw new QueueSendError(
        'queue unavailable',
        requests.map((r) => r.id),
      );
    }
    // structuredClone: what is queued is a copy, as with a real queue.
    for (const request of requests) this.messages.push(structuredClone(request));
  }
}
