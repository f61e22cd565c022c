import { type AwsSecrets, awsSecrets, secretLocationsFromEnv } from '../../src/adapters/secret-sources.ts';
import { EnvSecretSource } from '../../src/secrets/secrets.ts';

/** The process environment, or any stand-in for it. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where secret values come from: on AWS the Parameter Store parameters in
 * `TAGLANE_SECRET_PARAMETERS` and the Secrets Manager secrets in `TAGLANE_SECRET_ARNS`
 * (comma-separated); with neither, environment variables of the same names. In a module
 * without zod, so the deployed ingest (which parses its environment by hand) takes it alone.
 */
export function secretsFromEnv(env: Env): AwsSecrets {
  return (
    awsSecrets(secretLocationsFromEnv(env)) ?? { source: new EnvSecretSource(env), parameters: undefined }
  );
}
