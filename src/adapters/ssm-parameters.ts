import {
  GetParametersCommand,
  ParameterAlreadyExists,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { CachedSecrets, type CachedSecretsOptions } from '../secrets/cache.ts';
import type { SecretSource } from '../secrets/secrets.ts';

/** GetParameters takes at most 10 names per call. */
const NAMES_PER_CALL = 10;

/** Options for {@link SsmParameterSource}. */
export interface SsmParameterSourceOptions extends CachedSecretsOptions {
  /** @default an SSM client of the function's region and role */
  readonly client?: SSMClient;
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
  readonly #client: SSMClient;
  readonly #cache: CachedSecrets;
  readonly #byName: ReadonlyMap<string, string>;

  constructor(options: SsmParameterSourceOptions) {
    this.#options = options;
    this.#client = options.client ?? new SSMClient({});
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
    try {
      await this.#client.send(
        new PutParameterCommand({ Name: parameter, Value: value, Type: 'SecureString', Overwrite: false }),
      );
    } catch (error) {
      if (!(error instanceof ParameterAlreadyExists)) throw error;
    }
    this.#cache.invalidate();
    const stored = await this.get(name);
    if (stored === undefined) throw new Error(`parameter ${parameter} was created but cannot be read`);
    return stored;
  }

  async #load(): Promise<ReadonlyMap<string, string>> {
    const values = new Map<string, string>();
    const names = this.#options.parameterNames;
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
      const out = await this.#client.send(
        new GetParametersCommand({ Names: names.slice(i, i + NAMES_PER_CALL), WithDecryption: true }),
      );
      for (const p of out.Parameters ?? []) {
        if (p.Name !== undefined && p.Value !== undefined && p.Value !== '') {
          values.set(secretNameOfParameter(p.Name), p.Value);
        }
      }
    }
    return values;
  }
}
