import type { QueuePort } from '../ingest/index.ts';
import type { TrackingParams } from '../matomo/emulator.ts';
import type { QueuedRequest, RequestWarning } from '../tracking/queued-request.ts';

/**
 * Remembers the warnings ingest put on queued requests, so the local inspector can show them
 * beside the request Matomo receives. Matomo never sees warnings, and the batcher sends only a
 * request's parameters plus `cid`: the parameters without `cid` are the link between the two.
 */
export class WarningLedger {
  readonly #byParams = new Map<string, readonly RequestWarning[]>();
  readonly #limit: number;

  /** @param limit how many requests with warnings are remembered, oldest forgotten first */
  constructor(limit = 1000) {
    this.#limit = limit;
  }

  /** A queue port that records the warnings of what it queues, then queues through `queue`. */
  wrap(queue: QueuePort): QueuePort {
    return {
      send: async (requests: readonly QueuedRequest[]): Promise<void> => {
        await queue.send(requests);
        // Only after the queue took them: a refused POST's requests never reach Matomo.
        for (const request of requests)
          if (request.warnings) this.#remember(request.params, request.warnings);
      },
    };
  }

  /** The warnings of the queued request Matomo received as `params`, if it had any. */
  warningsFor(params: TrackingParams): readonly RequestWarning[] | undefined {
    return this.#byParams.get(keyOf(params));
  }

  #remember(params: TrackingParams, warnings: readonly RequestWarning[]): void {
    const key = keyOf(params);
    this.#byParams.delete(key);
    this.#byParams.set(key, warnings);
    for (const oldest of this.#byParams.keys()) {
      if (this.#byParams.size <= this.#limit) break;
      this.#byParams.delete(oldest);
    }
  }
}

function keyOf(params: TrackingParams): string {
  const entries = Object.entries(params).filter(([name]) => name !== 'cid');
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}
