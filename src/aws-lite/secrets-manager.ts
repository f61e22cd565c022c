import { type AwsClientConfig, type AwsEnv, awsConfigFromEnv, SERVICES } from './config.ts';
import { type AwsClientOptions, AwsJsonClient } from './json-client.ts';

/** Secrets Manager's GetSecretValue over the AWS JSON 1.1 protocol, without the AWS SDK. */
export class SecretsManagerClient {
  readonly #json: AwsJsonClient;

  constructor(config: AwsClientConfig | (() => AwsClientConfig), options: AwsClientOptions = {}) {
    this.#json = new AwsJsonClient({ ...options, service: SERVICES.secretsManager, config });
  }

  /** A client configured from the environment as on Lambda (see `awsConfigFromEnv`), read on first use. */
  static fromEnv(env: AwsEnv, options: AwsClientOptions = {}): SecretsManagerClient {
    return new SecretsManagerClient(() => awsConfigFromEnv(env, SERVICES.secretsManager), options);
  }

  /**
   * The current `SecretString` of `secretId` (ARN or name); undefined for a binary secret.
   *
   * @throws AwsServiceError (`ResourceNotFoundException`, access), AwsTimeoutError, AwsNetworkError.
   */
  async getSecretString(secretId: string): Promise<string | undefined> {
    const out = (await this.#json.call('GetSecretValue', { SecretId: secretId })) as {
      SecretString?: unknown;
    };
    return typeof out.SecretString === 'string' ? out.SecretString : undefined;
  }
}
