/** How many clients the limiter remembers; past this, ended windows are forgotten first. */
const MAX_CLIENTS = 50_000;

/**
 * A fixed-window count of tracking requests per client address, in memory: each Lambda
 * instance (or `taglane serve`) counts for itself, so the stage's throttle stays the global
 * bound and this one stops a single page or script from flooding the queue.
 */
export class RateLimiter {
  readonly #requests: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(limit: { readonly requests: number; readonly seconds: number }) {
    this.#requests = limit.requests;
    this.#windowMs = limit.seconds * 1000;
  }

  /**
   * Counts `cost` requests for `client` at `now` (unix ms). Returns 0 when they are allowed,
   * else the whole seconds until the client's window ends (for `Retry-After`); refused
   * requests are not counted.
   */
  take(client: string, cost: number, now: number): number {
    let window = this.#windows.get(client);
    if (window === undefined || now - window.start >= this.#windowMs) {
      if (window === undefined && this.#windows.size >= MAX_CLIENTS) this.#forget(now);
      window = { start: now, count: 0 };
      this.#windows.set(client, window);
    }
    if (window.count + cost > this.#requests) {
      return Math.max(1, Math.ceil((window.start + this.#windowMs - now) / 1000));
    }
    window.count += cost;
    return 0;
  }

  #forget(now: number): void {
    for (const [client, window] of this.#windows) {
      if (now - window.start >= this.#windowMs) this.#windows.delete(client);
    }
    // Everyone is inside a window: drop the oldest entries rather than grow without bound.
    for (const client of this.#windows.keys()) {
      if (this.#windows.size < MAX_CLIENTS) break;
      this.#windows.delete(client);
    }
  }
}
