import type { SecretSource } from '../secrets/secrets.ts';
import { FirstOfSecretSources } from '../secrets/secrets.ts';
import { type SecretsManagerApi, SecretsManagerSource } from './secrets-manager.ts';
import { type ParameterStoreApi, SsmParameterSource } from './ssm-parameters.ts';

/** Where a function's secrets live on AWS, as the stack passes them in the environment. */
export interface SecretLocations {
  /** `TAGLANE_SECRET_ARNS`: Secrets Manager secrets, each a JSON object of name -> value. */
  readonly secretArns: readonly string[];
  /** `TAGLANE_SECRET_PARAMETERS`: SecureString parameters, one per secret (`/Taglane/NAME`). */
  readonly parameterNames: readonly string[];
}

/** The secret sources of a function on AWS. */
export interface AwsSecrets {
  /** Every value: imported Secrets Manager secrets first, then the parameters. */
  readonly source: SecretSource;
  /** The parameters alone, which can also create a missing one (the visitor key). */
  readonly parameters: SsmParameterSource | undefined;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** Reads `TAGLANE_SECRET_ARNS` and `TAGLANE_SECRET_PARAMETERS` (comma-separated, either may be unset). */
export function secretLocationsFromEnv(env: Readonly<Record<string, string | undefined>>): SecretLocations {
  return {
    secretArns: list(env.TAGLANE_SECRET_ARNS),
    parameterNames: list(env.TAGLANE_SECRET_PARAMETERS),
  };
}

/** The clients the sources call. @default aws-lite's, configured from the environment as on Lambda */
export interface SecretClients {
  readonly parameterStore?: ParameterStoreApi;
  readonly secretsManager?: SecretsManagerApi;
}

/**
 * The sources for `locations`, or undefined when there are none (secrets then come from the
 * environment). On Lambda they call AWS through aws-lite, so neither SDK client is in the
 * functions' bundles; the CLI passes SDK clients, for credentials from a profile.
 */
export function awsSecrets(locations: SecretLocations, clients: SecretClients = {}): AwsSecrets | undefined {
  const sources: SecretSource[] = [];
  if (locations.secretArns.length > 0) {
    sources.push(
      new SecretsManagerSource({
        secretIds: locations.secretArns,
        ...(clients.secretsManager === undefined ? {} : { client: clients.secretsManager }),
      }),
    );
  }
  let parameters: SsmParameterSource | undefined;
  if (locations.parameterNames.length > 0) {
    parameters = new SsmParameterSource({
      parameterNames: locations.parameterNames,
      ...(clients.parameterStore === undefined ? {} : { client: clients.parameterStore }),
    });
    sources.push(parameters);
  }
  if (sources.length === 0) return undefined;
  return { source: new FirstOfSecretSources(sources), parameters };
}
