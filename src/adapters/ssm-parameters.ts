import { SsmClient, type SsmParameter } from '../aws-lite/ssm.ts';
import { CachedSecrets, type CachedSecretsOptions } from '../secrets/cache.ts';
import type { SecretSource } from '../secrets/secrets.ts';

/** GetParameters takes at most 10 names per call. */
const NAMES_PER_CALL = 10;

/**
 * The two Parameter Store calls the source makes. aws-lite's `SsmClient` is it; `sdkParameterStore`
 * (aws-sdk-secrets.ts) puts an SDK client behind it for the CLI, which may run on a profile.
 */
export interface ParameterStoreApi {
  /** GetParameters of at most 10 names; missing ones are left out. */
  getParameters(names: readonly string[], withDecryption: boolean): Promise<readonly SsmParameter[]>;
  /** Creates a SecureString, never overwriting: `exists` when it already is there. */
  putSecureString(name: string, value: string): Promise<'created' | 'exists'>;
}

/** Options for {@link SsmParameterSource}. */
export interface SsmParameterSourceOptions extends CachedSecretsOptions {
  /** @default aws-lite's SsmClient for the function's region and role (configured from the environment on first use, as the SDK's was) */
  readonly client?: ParameterStoreApi;
  /**
   * SecureString parameters, one per secret, by full name (`/Taglane/STRIPE_WEBHOOK_SECRET`):
   * the secret's name is the last segment of the parameter's.
   */
  readonly parameterNames: readonly string[];
}

/** `/Taglane/STRIPE_WEBHOOK_SECRET` -> `STRIPE_WEBHOOK_SECRET`. */
export function secretNameOfParameter(parameterName: string): string {
  return parameterName.slice(parameterName.lastIndexOf('/') + 1);
}

/**
 * Named secrets read from SSM Parameter Store SecureString parameters (standard tier, no
 * monthly cost), decrypted with the account's AWS-managed `aws/ssm` key. All listed
 * parameters are fetched together (10 per call) and cached like the Secrets Manager source;
 * a parameter that does not exist is a secret that is not set.
 */
export class SsmParameterSource implements SecretSource {
  readonly #options: SsmParameterSourceOptions;
  readonly #client: ParameterStoreApi;
  readonly #cache: CachedSecrets;
  readonly #byName: ReadonlyMap<string, string>;

  constructor(options: SsmParameterSourceOptions) {
    this.#options = options;
    this.#client = options.client ?? SsmClient.fromEnv(process.env);
    this.#cache = new CachedSecrets(() => this.#load(), options);
    this.#byName = new Map(options.parameterNames.map((p) => [secretNameOfParameter(p), p]));
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.#cache.values()).get(name);
  }

  /** Whether `name` is one of this source's parameters. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /**
   * The value of `name`, created first as a SecureString holding `generate()` when the
   * parameter does not exist yet (the visitor HMAC key: CloudFormation cannot create
   * SecureString parameters). Creation never overwrites: when another invocation created it
   * first, its value is read and returned, so every caller ends up with the same value.
   *
   * @throws Error when `name` is not one of this source's parameters.
   */
  async getOrCreate(name: string, generate: () => string): Promise<string> {
    const existing = await this.get(name);
    if (existing !== undefined) return existing;
    const parameter = this.#byName.get(name);
    if (parameter === undefined) throw new Error(`secret ${name} is not one of the parameters read`);
    const value = generate();
    // `exists`: another invocation created it first; its value is read back below.
    await this.#client.putSecureString(parameter, value);
    this.#cache.invalidate();
    const stored = await this.get(name);
    if (stored === undefined) throw new Error(`parameter ${parameter} was created but cannot be read`);
    return stored;
  }

  async #load(): Promise<ReadonlyMap<string, string>> {
    const values = new Map<string, string>();
    const names = this.#options.parameterNames;
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
      const found = await this.#client.getParameters(names.slice(i, i + NAMES_PER_CALL), true);
      for (const p of found) {
        if (p.Value !== '') values.set(secretNameOfParameter(p.Name), p.Value);
      }
    }
    return values;
  }
}
