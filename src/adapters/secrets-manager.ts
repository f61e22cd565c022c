import { SecretsManagerClient } from '../aws-lite/secrets-manager.ts';
import { CachedSecrets, type CachedSecretsOptions } from '../secrets/cache.ts';
import type { SecretSource } from '../secrets/secrets.ts';

/** The one Secrets Manager call the source makes; aws-lite's `SecretsManagerClient` is it. */
export interface SecretsManagerApi {
  /** The `SecretString` of a secret, undefined for a binary one. */
  getSecretString(secretId: string): Promise<string | undefined>;
}

/** Options for {@link SecretsManagerSource}. */
export interface SecretsManagerSourceOptions extends CachedSecretsOptions {
  /** @default aws-lite's SecretsManagerClient for the function's region and role (configured from the environment on first use, as the SDK's was) */
  readonly client?: SecretsManagerApi;
  /** ARNs (or names) of secrets whose value is a JSON object of secret name -> value. */
  readonly secretIds: readonly string[];
}

/**
 * Named secrets read from one or more Secrets Manager secrets, each holding a JSON object
 * (`{"STRIPE_WEBHOOK_SECRET": "whsec_...", "MATOMO_TOKEN": "..."}`). Values are fetched once
 * and cached, so a warm Lambda makes no Secrets Manager call per request; a rotated value is
 * picked up after the cache expires.
 */
export class SecretsManagerSource implements SecretSource {
  readonly #options: SecretsManagerSourceOptions;
  readonly #client: SecretsManagerApi;
  readonly #cache: CachedSecrets;

  constructor(options: SecretsManagerSourceOptions) {
    this.#options = options;
    this.#client = options.client ?? SecretsManagerClient.fromEnv(process.env);
    this.#cache = new CachedSecrets(() => this.#load(), options);
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.#cache.values()).get(name);
  }

  async #load(): Promise<ReadonlyMap<string, string>> {
    const values = new Map<string, string>();
    for (const secretId of this.#options.secretIds) {
      const text = await this.#client.getSecretString(secretId);
      for (const [name, value] of Object.entries(parseSecretObject(secretId, text))) {
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
