import type { QueuePort } from '../ingest/index.ts';
import type { TrackingParams } from '../matomo/emulator.ts';
import type { QueuedRequest, RequestWarning } from '../tracking/queued-request.ts';

interface Entry {
  readonly params: TrackingParams;
  readonly warnings: readonly RequestWarning[];
}

/**
 * Remembers the warnings ingest put on queued requests, so the local inspector can show them
 * beside the request Matomo receives. Matomo never sees warnings, and the batcher sends a
 * request's parameters plus its own (`cid`): a received request belongs to the queued one
 * whose every parameter it carries with the same value.
 */
export class WarningLedger {
  /** By `idsite` and `cdt`, which every request has, so a lookup compares only a few entries. */
  readonly #entries = new Map<string, Entry[]>();
  readonly #limit: number;
  #size = 0;

  /** @param limit how many requests with warnings are remembered, oldest forgotten first */
  constructor(limit = 1000) {
    this.#limit = limit;
  }

  /** A queue port that records the warnings of what it queues, then queues through `queue`. */
  wrap(queue: QueuePort): QueuePort {
    return {
      send: async (
        requests: readonly QueuedRequest[],
        from?: { readonly requestId: string },
      ): Promise<void> => {
        await queue.send(requests, from);
        // Only after the queue took them: a refused POST's requests never reach Matomo.
        for (const request of requests) {
          if (request.warnings) this.#remember({ params: request.params, warnings: request.warnings });
        }
      },
    };
  }

  /** The warnings of the queued request Matomo received as `params`, if it had any. */
  warningsFor(params: TrackingParams): readonly RequestWarning[] | undefined {
    const candidates = this.#entries.get(keyOf(params)) ?? [];
    return candidates.find((entry) => carries(params, entry.params))?.warnings;
  }

  #remember(entry: Entry): void {
    const key = keyOf(entry.params);
    const list = this.#entries.get(key) ?? [];
    list.push(entry);
    this.#entries.set(key, list);
    this.#size += 1;
    if (this.#size > this.#limit) this.#forgetOldest();
  }

  #forgetOldest(): void {
    // Map keys iterate in insertion order: the first key holds the oldest entry.
    const [key, entries] = this.#entries.entries().next().value ?? [];
    if (key === undefined || entries === undefined) return;
    entries.shift();
    this.#size -= 1;
    if (entries.length === 0) this.#entries.delete(key);
  }
}

function keyOf(params: TrackingParams): string {
  return `${params.idsite ?? ''}\n${params.cdt ?? ''}`;
}

function carries(received: TrackingParams, queued: TrackingParams): boolean {
  return Object.entries(queued).every(([name, value]) => received[name] === value);
}
