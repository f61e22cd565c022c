import type { AcceptanceLog } from './ports.ts';

/**
 * When each Matomo last accepted a bulk, in this process's memory. A Lambda container keeps it
 * across invocations, so a request that fails alone in a batch of its own can still be judged
 * against the other traffic this batcher delivered since the request's previous receive.
 */
export class InMemoryAcceptanceLog implements AcceptanceLog {
  readonly #last = new Map<string, number>();

  lastAccepted(url: string): number | undefined {
    return this.#last.get(url);
  }

  accepted(url: string, atMs: number): void {
    this.#last.set(url, Math.max(atMs, this.#last.get(url) ?? 0));
  }
}
