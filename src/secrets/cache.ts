/** Options of {@link CachedSecrets}. */
export interface CachedSecretsOptions {
  /** How long loaded values are kept, in milliseconds. @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  /** Clock in milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * All values of a secret store, loaded at once and kept for a while, so a warm Lambda makes
 * no call per request and a changed value is picked up once the cache expires. Concurrent
 * lookups during a load share it.
 */
export class CachedSecrets {
  readonly #load: () => Promise<ReadonlyMap<string, string>>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #cache: { values: ReadonlyMap<string, string>; expiresAt: number } | undefined;
  #loading: Promise<ReadonlyMap<string, string>> | undefined;

  constructor(load: () => Promise<ReadonlyMap<string, string>>, options: CachedSecretsOptions = {}) {
    this.#load = load;
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#now = options.now ?? Date.now;
  }

  /** Every value by secret name, from the cache while it is fresh. */
  async values(): Promise<ReadonlyMap<string, string>> {
    const now = this.#now();
    if (this.#cache && this.#cache.expiresAt > now) return this.#cache.values;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    const values = await this.#loading;
    this.#cache = { values, expiresAt: now + this.#ttlMs };
    return values;
  }

  /** Forgets the cached values: the next lookup loads them again. */
  invalidate(): void {
    this.#cache = undefined;
  }
}
