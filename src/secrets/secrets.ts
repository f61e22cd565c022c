/**
 * Where named secrets (webhook signing secrets, API keys, the Matomo token, the visitor-key
 * HMAC secret) come from. Rule files and configuration hold only names; values are looked up
 * through this port, so they never appear in rule files, templates, logs or responses.
 */
export interface SecretSource {
  /** The value of the secret called `name`, or `undefined` when it is not configured. */
  get(name: string): Promise<string | undefined>;
}

/** Secrets from environment variables of the same name (the local runtime, tests). */
export class EnvSecretSource implements SecretSource {
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>> = process.env) {
    this.#env = env;
  }

  async get(name: string): Promise<string | undefined> {
    const value = this.#env[name];
    return value === undefined || value === '' ? undefined : value;
  }
}

/**
 * Several sources asked in order: the first that has a value for a name answers. Lets a
 * deployment read imported Secrets Manager secrets and Parameter Store parameters together.
 */
export class FirstOfSecretSources implements SecretSource {
  readonly #sources: readonly SecretSource[];

  constructor(sources: readonly SecretSource[]) {
    this.#sources = sources;
  }

  async get(name: string): Promise<string | undefined> {
    for (const source of this.#sources) {
      const value = await source.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }
}
