import { describe, expect, it } from 'vitest';
import { sdkParameterStore } from '../../../src/adapters/aws-sdk-secrets.ts';
import { SecretsManagerSource } from '../../../src/adapters/secrets-manager.ts';
import { SsmParameterSource } from '../../../src/adapters/ssm-parameters.ts';
import { AwsServiceError } from '../../../src/aws-lite/errors.ts';
import { SecretsManagerClient } from '../../../src/aws-lite/secrets-manager.ts';
import { SsmClient } from '../../../src/aws-lite/ssm.ts';
import { startAwsJsonServer } from '../../support/aws-json-server.ts';
import { perTest } from '../../support/lifecycle.ts';
import { startParameterStore } from '../../support/parameter-store.ts';
import { sdkAuthorizationOf } from '../../support/sdk-signer.ts';

const store = perTest(
  'parameter store',
  () => startParameterStore(),
  (s) => s.close(),
);
const TEMPORARY = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'role-secret', sessionToken: 'role-token' };

describe('aws-lite SsmClient against a Parameter Store JSON-protocol server', () => {
  it('asks GetParameters with the right target and body, signed as the SDK signs', async () => {
    const s = store.current;
    s.parameters.set('/Taglane/MATOMO_TOKEN', { value: 'token-1', type: 'SecureString' });
    const client = SsmClient.fromEnv({
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: TEMPORARY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEMPORARY.secretAccessKey,
      AWS_SESSION_TOKEN: TEMPORARY.sessionToken,
      AWS_ENDPOINT_URL_SSM: s.endpoint,
    });
    const found = await client.getParameters(['/Taglane/MATOMO_TOKEN', '/Taglane/MISSING'], true);
    expect(found).toEqual([{ Name: '/Taglane/MATOMO_TOKEN', Value: 'token-1', Type: 'SecureString' }]);
    const [call] = s.calls;
    expect(call?.headers['x-amz-target']).toBe('AmazonSSM.GetParameters');
    expect(call?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(call?.body ?? '')).toEqual({
      Names: ['/Taglane/MATOMO_TOKEN', '/Taglane/MISSING'],
      WithDecryption: true,
    });
    expect(call?.headers['x-amz-security-token']).toBe('role-token');
    expect(call?.headers.authorization).toContain('/eu-central-1/ssm/aws4_request');
    expect(call?.headers.authorization).toContain('x-amz-security-token');
    expect(call?.headers.authorization).toBe(
      await sdkAuthorizationOf(call ?? { headers: {}, body: '' }, TEMPORARY, 'ssm', 'eu-central-1'),
    );
  });

  it('creates a SecureString once, through aws-lite and through the SDK adapter alike', async () => {
    const s = store.current;
    expect(await s.client().putSecureString('/Taglane/KEY', 'a')).toBe('created');
    expect(await s.client().putSecureString('/Taglane/KEY', 'b')).toBe('exists');
    expect(await sdkParameterStore(s.sdkClient()).putSecureString('/Taglane/KEY', 'c')).toBe('exists');
    expect(s.parameters.get('/Taglane/KEY')?.value).toBe('a');
    const source = new SsmParameterSource({
      client: sdkParameterStore(s.sdkClient()),
      parameterNames: ['/Taglane/KEY'],
    });
    expect(await source.get('KEY')).toBe('a');
  });
});

describe('aws-lite SecretsManagerClient against a JSON-protocol server', () => {
  it('reads a secret object with GetSecretValue, and a missing secret is a typed error', async () => {
    const server = await startAwsJsonServer((call) =>
      JSON.parse(call.body).SecretId === 'arn:taglane'
        ? { status: 200, json: { ARN: 'arn:taglane', SecretString: '{"STRIPE_WEBHOOK_SECRET":"whsec_1"}' } }
        : {
            status: 400,
            json: { __type: 'ResourceNotFoundException', Message: 'Secrets Manager can’t find it.' },
          },
    );
    try {
      const client = new SecretsManagerClient(
        {
          region: 'us-west-2',
          credentials: TEMPORARY,
          endpoint: server.endpoint,
          endpointConfigured: true,
        },
        { sleep: async () => {} },
      );
      const source = new SecretsManagerSource({ client, secretIds: ['arn:taglane'] });
      expect(await source.get('STRIPE_WEBHOOK_SECRET')).toBe('whsec_1');
      const [call] = server.calls;
      expect(call?.target).toBe('secretsmanager.GetSecretValue');
      expect(call?.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(call?.headers.authorization).toBe(
        await sdkAuthorizationOf(call ?? { headers: {}, body: '' }, TEMPORARY, 'secretsmanager', 'us-west-2'),
      );
      const missing = await client.getSecretString('arn:other').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(AwsServiceError);
      expect(missing).toMatchObject({ code: 'ResourceNotFoundException', retryable: false });
    } finally {
      await server.close();
    }
  });
});
