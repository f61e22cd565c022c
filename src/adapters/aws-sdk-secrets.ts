import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetParametersCommand,
  ParameterAlreadyExists,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { SecretsManagerApi } from './secrets-manager.ts';
import type { ParameterStoreApi } from './ssm-parameters.ts';

/**
 * An SDK SSM client behind {@link ParameterStoreApi}, for callers off Lambda (the CLI) whose
 * credentials may come from a profile or SSO, which aws-lite does not read.
 */
export function sdkParameterStore(client: SSMClient): ParameterStoreApi {
  return {
    async getParameters(names, withDecryption) {
      const out = await client.send(
        new GetParametersCommand({ Names: [...names], WithDecryption: withDecryption }),
      );
      return (out.Parameters ?? []).flatMap((p) =>
        p.Name === undefined || p.Value === undefined ? [] : [{ Name: p.Name, Value: p.Value }],
      );
    },
    async putSecureString(name, value) {
      try {
        await client.send(
          new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: false }),
        );
        return 'created';
      } catch (error) {
        if (error instanceof ParameterAlreadyExists) return 'exists';
        throw error;
      }
    },
  };
}

/** An SDK Secrets Manager client behind {@link SecretsManagerApi}, as {@link sdkParameterStore}. */
export function sdkSecretsManager(client: SecretsManagerClient): SecretsManagerApi {
  return {
    async getSecretString(secretId) {
      return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    },
  };
}
