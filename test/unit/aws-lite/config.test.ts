import { describe, expect, it } from 'vitest';
import { awsConfigFromEnv, SERVICES } from '../../../src/aws-lite/config.ts';
import { AwsConfigError } from '../../../src/aws-lite/errors.ts';

const LAMBDA = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'ASIA1',
  AWS_SECRET_ACCESS_KEY: 's',
  AWS_SESSION_TOKEN: 't',
};

describe('aws-lite configuration from the environment', () => {
  it('takes the role credentials and region Lambda sets, and the regional endpoint', () => {
    const config = awsConfigFromEnv(LAMBDA, SERVICES.sqs);
    expect(config.region).toBe('eu-west-1');
    expect(config.credentials).toEqual({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' });
    expect(config.endpoint.href).toBe('https://sqs.eu-west-1.amazonaws.com/');
    expect(config.endpointConfigured).toBe(false);
    expect(awsConfigFromEnv(LAMBDA, SERVICES.secretsManager).endpoint.host).toBe(
      'secretsmanager.eu-west-1.amazonaws.com',
    );
    expect(awsConfigFromEnv({ ...LAMBDA, AWS_REGION: 'cn-north-1' }, SERVICES.ssm).endpoint.host).toBe(
      'ssm.cn-north-1.amazonaws.com.cn',
    );
  });

  it("prefers the service's endpoint variable, then AWS_ENDPOINT_URL, unless told to ignore both", () => {
    const env = {
      ...LAMBDA,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1/',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:2',
    };
    expect(awsConfigFromEnv(env, SERVICES.sqs).endpoint.port).toBe('2');
    expect(awsConfigFromEnv(env, SERVICES.ssm).endpoint.port).toBe('1');
    expect(
      awsConfigFromEnv(
        { ...env, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:3' },
        SERVICES.secretsManager,
      ).endpoint.port,
    ).toBe('3');
    const ignored = awsConfigFromEnv({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, SERVICES.sqs);
    expect(ignored.endpoint.host).toBe('sqs.eu-west-1.amazonaws.com');
    expect(ignored.endpointConfigured).toBe(false);
  });

  it('names every missing variable at once, and refuses an endpoint that is not http(s)', () => {
    expect(() => awsConfigFromEnv({}, SERVICES.sqs)).toThrow(AwsConfigError);
    expect(() => awsConfigFromEnv({}, SERVICES.sqs)).toThrow(
      'sqs: AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY not set',
    );
    expect(() => awsConfigFromEnv({ ...LAMBDA, AWS_ENDPOINT_URL_SQS: 'ftp://x' }, SERVICES.sqs)).toThrow(
      /not http or https/,
    );
  });
});
