import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSource } from '../../src/adapters/secrets-manager.ts';
import { EnvSecretSource, type SecretSource } from '../../src/secrets/secrets.ts';

/** The process environment, or any stand-in for it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where secret values come from: the Secrets Manager secrets listed in `TAGLANE_SECRET_ARNS`
 * (comma-separated) on AWS, environment variables of the same names otherwise. In a module
 * without zod, so the deployed ingest (which parses its environment by hand) takes it alone.
 */
export function secretSourceFromEnv(secretArns: string | undefined, env: Env): SecretSource {
  const secretIds = (secretArns ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return secretIds.length > 0
    ? new SecretsManagerSource({ client: new SecretsManagerClient({}), secretIds })
    : new EnvSecretSource(env);
}
