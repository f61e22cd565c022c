import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { DynamoDbApi } from '../../src/adapters/dynamodb-api.ts';
import { DynamoDbDeliveryLog } from '../../src/adapters/dynamodb-delivery-log.ts';
import { DynamoDbVisitorStore } from '../../src/adapters/dynamodb-visitor-store.ts';
import { SqsDeadLetterSink } from '../../src/adapters/sqs-dead-letter.ts';
import { SqsRetryScheduler } from '../../src/adapters/sqs-retry-scheduler.ts';
import { DynamoDbClient } from '../../src/aws-lite/dynamodb.ts';
import { InMemoryAcceptanceLog } from '../../src/batcher/acceptance.ts';
import { MAX_DELAY_SECONDS, MAX_RETENTION_SECONDS } from '../../src/batcher/backoff.ts';
import type { BatcherDeps } from '../../src/batcher/index.ts';
import { destinationLookup, loadDestinations, urlProblems } from '../../src/destinations/index.ts';
import { FetchMatomoClient } from '../../src/matomo/client.ts';
import { EnvSecretSource, type SecretSource } from '../../src/secrets/secrets.ts';
import { type Env, parseEnv, positiveInt, secretsFromEnv } from '../shared/env.ts';

export type { Env } from '../shared/env.ts';

/** The batcher function's environment (docs/architecture.md); unknown variables are ignored. */
const BatcherEnvSchema = z.object({
  MATOMO_URL: z.url({ error: 'MATOMO_URL must be the base URL of Matomo' }).optional(),
  TAGLANE_DESTINATIONS_FILE: z.string().optional(),
  TAGLANE_ENV: z.string().optional(),
  TAGLANE_TABLE_NAME: z.string({ error: 'TAGLANE_TABLE_NAME is required' }).min(1),
  TAGLANE_DLQ_URL: z.url({ error: 'TAGLANE_DLQ_URL must be the URL of the dead-letter queue' }),
  TAGLANE_SECRET_ARNS: z.string().optional(),
  TAGLANE_SECRET_PARAMETERS: z.string().optional(),
  TAGLANE_BULK_MAX_REQUESTS: positiveInt('TAGLANE_BULK_MAX_REQUESTS', 100),
  TAGLANE_BULK_MAX_BYTES: positiveInt('TAGLANE_BULK_MAX_BYTES', 1_048_576),
  TAGLANE_MATOMO_TIMEOUT_MS: positiveInt('TAGLANE_MATOMO_TIMEOUT_MS', 10_000),
  TAGLANE_DELIVERED_TTL_DAYS: positiveInt('TAGLANE_DELIVERED_TTL_DAYS', 7),
  // The queue the batcher reads: with it, retries wait longer on each receive (ChangeMessageVisibility).
  TAGLANE_QUEUE_URL: z.url({ error: 'TAGLANE_QUEUE_URL must be the URL of the request queue' }).optional(),
  TAGLANE_RETRY_BASE_SECONDS: positiveInt('TAGLANE_RETRY_BASE_SECONDS', 60),
  TAGLANE_RETRY_MAX_SECONDS: positiveInt('TAGLANE_RETRY_MAX_SECONDS', MAX_DELAY_SECONDS),
  TAGLANE_QUEUE_RETENTION_SECONDS: positiveInt('TAGLANE_QUEUE_RETENTION_SECONDS', MAX_RETENTION_SECONDS),
  TAGLANE_POISON_AFTER: positiveInt('TAGLANE_POISON_AFTER', 5),
  TAGLANE_DELIVERY_LANES: positiveInt('TAGLANE_DELIVERY_LANES', 4),
});

/** Secret names the batcher looks up through its `SecretSource`. */
export const MATOMO_TOKEN = 'MATOMO_TOKEN';
export const VISITOR_HMAC_KEY = 'TAGLANE_VISITOR_HMAC_KEY';

/** Adapters `batcherDepsFromEnv` would otherwise build itself. */
export interface BatcherOverrides {
  readonly sqs?: SQSClient;
  /** @default aws-lite's `DynamoDbClient` configured from `env` as on Lambda */
  readonly dynamodb?: DynamoDbApi;
  readonly secrets?: SecretSource;
  readonly fetch?: typeof fetch;
}

/**
 * The composition root: validates the environment (every problem reported at once), reads the
 * visitor HMAC secret, resolves the destinations of `TAGLANE_ENV` and builds the DynamoDB, SQS
 * and Matomo adapters. Each destination's token is looked up per batch through the (cached)
 * secret source, so a rotated token is picked up.
 * Empty strings count as unset, as CloudFormation cannot omit a variable.
 *
 * @throws Error listing every invalid variable or missing secret.
 */
export async function batcherDepsFromEnv(env: Env, overrides: BatcherOverrides = {}): Promise<BatcherDeps> {
  const { data: parsed, present, problems } = parseEnv(BatcherEnvSchema, env);
  const aws = overrides.secrets === undefined ? secretsFromEnv(env) : undefined;
  const secrets = overrides.secrets ?? aws?.source ?? new EnvSecretSource(env);
  // On AWS the visitor key is a parameter the batcher creates on first use (CloudFormation
  // cannot create SecureString parameters); creating never overwrites an existing key.
  const hmacKey =
    (await secrets.get(VISITOR_HMAC_KEY)) ??
    (aws?.parameters?.has(VISITOR_HMAC_KEY)
      ? await aws.parameters.getOrCreate(VISITOR_HMAC_KEY, () => randomBytes(32).toString('hex'))
      : undefined);
  if (hmacKey === undefined)
    problems.push(`${VISITOR_HMAC_KEY}: secret is required (it keys the visitor-key HMAC)`);
  const destinations = await loadDestinations({
    file: present.TAGLANE_DESTINATIONS_FILE,
    environment: present.TAGLANE_ENV,
  });
  problems.push(...urlProblems(destinations, parsed?.MATOMO_URL ?? present.MATOMO_URL));
  if (parsed === undefined || hmacKey === undefined || problems.length > 0) {
    throw new Error(`invalid batcher environment:\n  ${problems.join('\n  ')}`);
  }
  const config = parsed;
  // aws-lite, not the SDK: the SDK's per-call work was a sixth of a drain's CPU (docs/benchmarks.md).
  const dynamodb = overrides.dynamodb ?? DynamoDbClient.fromEnv(env);
  const tableName = config.TAGLANE_TABLE_NAME;
  const sqs = overrides.sqs ?? new SQSClient({});
  return {
    visitors: new DynamoDbVisitorStore({ client: dynamodb, tableName }),
    deliveryLog: new DynamoDbDeliveryLog({ client: dynamodb, tableName }),
    matomo: new FetchMatomoClient({
      timeoutMs: config.TAGLANE_MATOMO_TIMEOUT_MS,
      ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    }),
    deadLetters: new SqsDeadLetterSink({ client: sqs, queueUrl: config.TAGLANE_DLQ_URL }),
    ...(config.TAGLANE_QUEUE_URL === undefined
      ? {}
      : { retries: new SqsRetryScheduler({ client: sqs, queueUrl: config.TAGLANE_QUEUE_URL }) }),
    acceptance: new InMemoryAcceptanceLog(),
    destination: destinationLookup(destinations, { matomoUrl: config.MATOMO_URL, secrets }),
    config: {
      maxRequests: config.TAGLANE_BULK_MAX_REQUESTS,
      maxBytes: config.TAGLANE_BULK_MAX_BYTES,
      deliveredTtlSeconds: config.TAGLANE_DELIVERED_TTL_DAYS * 86_400,
      lanes: config.TAGLANE_DELIVERY_LANES,
      bulkTimeoutMs: config.TAGLANE_MATOMO_TIMEOUT_MS,
      visitorHmacKey: hmacKey,
      ...(config.TAGLANE_QUEUE_URL === undefined
        ? {}
        : {
            retry: {
              baseSeconds: config.TAGLANE_RETRY_BASE_SECONDS,
              maxSeconds: config.TAGLANE_RETRY_MAX_SECONDS,
              retentionSeconds: config.TAGLANE_QUEUE_RETENTION_SECONDS,
            },
          }),
      poisonAfter: config.TAGLANE_POISON_AFTER,
    },
    now: Date.now,
  };
}
