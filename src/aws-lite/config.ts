import { AwsConfigError } from './errors.ts';
import type { AwsCredentials } from './sigv4.ts';

/** The process environment, or any stand-in for it. */
export type AwsEnv = Readonly<Record<string, string | undefined>>;

/** Where and as whom a client calls one service. */
export interface AwsClientConfig {
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** The service endpoint, e.g. `https://sqs.eu-west-1.amazonaws.com/`. */
  readonly endpoint: URL;
  /** Whether `endpoint` was configured (then it wins over a queue URL's own host, as in the SDK). */
  readonly endpointConfigured: boolean;
}

/** The services aws-lite speaks to: signing name, host prefix and endpoint variable suffix. */
export const SERVICES = {
  sqs: {
    signingName: 'sqs',
    host: 'sqs',
    envSuffix: 'SQS',
    targetPrefix: 'AmazonSQS',
    contentType: 'application/x-amz-json-1.0',
  },
  ssm: {
    signingName: 'ssm',
    host: 'ssm',
    envSuffix: 'SSM',
    targetPrefix: 'AmazonSSM',
    contentType: 'application/x-amz-json-1.1',
  },
  secretsManager: {
    signingName: 'secretsmanager',
    host: 'secretsmanager',
    envSuffix: 'SECRETS_MANAGER',
    targetPrefix: 'secretsmanager',
    contentType: 'application/x-amz-json-1.1',
  },
  dynamodb: {
    signingName: 'dynamodb',
    host: 'dynamodb',
    envSuffix: 'DYNAMODB',
    targetPrefix: 'DynamoDB_20120810',
    contentType: 'application/x-amz-json-1.0',
  },
} as const;

/** One of {@link SERVICES}. */
export type AwsService = (typeof SERVICES)[keyof typeof SERVICES];

/**
 * The configuration the AWS SDK would take from this environment on Lambda: credentials from
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (Lambda sets the role's
 * there), the region from `AWS_REGION` (or `AWS_DEFAULT_REGION`), and the endpoint from
 * `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`; else the service's regional endpoint.
 *
 * @throws AwsConfigError naming every missing variable.
 */
export function awsConfigFromEnv(env: AwsEnv, service: AwsService): AwsClientConfig {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const missing = [
    ...(region ? [] : ['AWS_REGION']),
    ...(accessKeyId ? [] : ['AWS_ACCESS_KEY_ID']),
    ...(secretAccessKey ? [] : ['AWS_SECRET_ACCESS_KEY']),
  ];
  if (!region || !accessKeyId || !secretAccessKey) {
    throw new AwsConfigError(`${service.signingName}: ${missing.join(', ')} not set`);
  }
  const configured =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true'
      ? undefined
      : (env[`AWS_ENDPOINT_URL_${service.envSuffix}`] ?? env.AWS_ENDPOINT_URL);
  return {
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined },
    endpoint: configured ? parseEndpoint(configured) : regionalEndpoint(service, region),
    endpointConfigured: Boolean(configured),
  };
}

/** `https://<service>.<region>.amazonaws.com/` (`.com.cn` in the China regions). */
export function regionalEndpoint(service: AwsService, region: string): URL {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${service.host}.${region}.${suffix}/`);
}

/** An endpoint URL from configuration. @throws AwsConfigError when it is not an http(s) URL. */
export function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AwsConfigError(`endpoint ${text} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AwsConfigError(`endpoint ${text} is not http or https`);
  }
  return url;
}
