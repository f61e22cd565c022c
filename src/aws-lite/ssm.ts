import { type AwsClientConfig, type AwsEnv, awsConfigFromEnv, SERVICES } from './config.ts';
import { AwsServiceError } from './errors.ts';
import { type AwsClientOptions, AwsJsonClient } from './json-client.ts';

/** A parameter as GetParameters returns it (the fields Taglane reads). */
export interface SsmParameter {
  readonly Name: string;
  readonly Value: string;
  readonly Type?: string;
}

/**
 * SSM Parameter Store over the AWS JSON 1.1 protocol, without the AWS SDK: reading parameters
 * (decrypted) and creating a SecureString that must not overwrite an existing one.
 */
export class SsmClient {
  readonly #json: AwsJsonClient;

  constructor(config: AwsClientConfig | (() => AwsClientConfig), options: AwsClientOptions = {}) {
    this.#json = new AwsJsonClient({ ...options, service: SERVICES.ssm, config });
  }

  /** A client configured from the environment as on Lambda (see `awsConfigFromEnv`), read on first use. */
  static fromEnv(env: AwsEnv, options: AwsClientOptions = {}): SsmClient {
    return new SsmClient(() => awsConfigFromEnv(env, SERVICES.ssm), options);
  }

  /**
   * GetParameters for up to 10 names; names that do not exist are left out of the answer.
   *
   * @throws AwsServiceError, AwsTimeoutError, AwsNetworkError.
   */
  async getParameters(names: readonly string[], withDecryption: boolean): Promise<SsmParameter[]> {
    const out = (await this.#json.call('GetParameters', {
      Names: names,
      WithDecryption: withDecryption,
    })) as {
      Parameters?: { Name?: unknown; Value?: unknown; Type?: unknown }[];
    };
    return (out.Parameters ?? []).flatMap((p) =>
      typeof p.Name === 'string' && typeof p.Value === 'string'
        ? [{ Name: p.Name, Value: p.Value, ...(typeof p.Type === 'string' ? { Type: p.Type } : {}) }]
        : [],
    );
  }

  /**
   * PutParameter of a SecureString without overwrite: `exists` when another caller created it
   * first (`ParameterAlreadyExists`), which is not an error for a value made once.
   *
   * @throws AwsServiceError for any other refusal.
   */
  async putSecureString(name: string, value: string): Promise<'created' | 'exists'> {
    try {
      await this.#json.call('PutParameter', {
        Name: name,
        Value: value,
        Type: 'SecureString',
        Overwrite: false,
      });
      return 'created';
    } catch (error) {
      if (error instanceof AwsServiceError && error.code === 'ParameterAlreadyExists') return 'exists';
      throw error;
    }
  }
}
