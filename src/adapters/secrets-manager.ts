import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretSource } from '../secrets/secrets.ts';

/** Options for {@link SecretsManagerSource}. */
export interface SecretsManagerSourceOptions {
  readonly client: SecretsManagerClient;
  /** ARNs (or names) of secrets whose value is a JSON object of secret name -> value. */
  readonly secretIds: readonly string[];
  /** How long values are cached, in milliseconds. @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  /** Clock in milliseconds. @default Date.now */
  readonly now?: () => number;
}

/**
 * Named secrets read from one or more Secrets Manager secrets, each holding a JSON object
 * (`{"STRIPE_WEBHOOK_SECRET": "whsec_...", "MATOMO_TOKEN": "..."}`). Values are fetched once
 * and cached, so a warm Lambda makes no Secrets Manager call per request; a rotated value is
 * picked up after the cache expires.
 */
export class SecretsManagerSource implements SecretSource {
  readonly #options: SecretsManagerSourceOptions;
  #cache: { values: ReadonlyMap<string, string>; expiresAt: number } | undefined;
  #loading: Promise<ReadonlyMap<string, string>> | undefined;

  constructor(options: SecretsManagerSourceOptions) {
    this.#options = options;
  }

  async get(name: string): Promise<string | undefined> {
    const values = await this.#values();
    return values.get(name);
  }

  async #values(): Promise<ReadonlyMap<string, string>> {
    const now = (this.#options.now ?? Date.now)();
    if (this.#cache && this.#cache.expiresAt > now) return this.#cache.values;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    const values = await this.#loading;
    this.#cache = { values, expiresAt: now + (this.#options.ttlMs ?? 300_000) };
    return values;
  }

  async #load(): Promise<ReadonlyMap<string, string>> {
    const values = new Map<string, string>();
    for (const secretId of this.#options.secretIds) {
      const out = await this.#options.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      for (const [name, value] of Object.entries(parseSecretObject(secretId, out.SecretString))) {
        values.set(name, value);
      }
    }
    return values;
  }
}

function parseSecretObject(secretId: string, text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never include the text itself: it is a secret value.
    throw new Error(`secret ${secretId} is not a JSON object of name -> value`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`secret ${secretId} is not a JSON object of name -> value`);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  return out;
}
