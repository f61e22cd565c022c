import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsQueue } from '../../src/adapters/sqs-queue.ts';
import type { IngestDeps } from '../../src/ingest/index.ts';
import type { RuleSet } from '../../src/rules/types.ts';
import type { SecretSource } from '../../src/secrets/secrets.ts';
import type { TrackerDeps } from '../../src/sources/matomo-tracker/handle.ts';
import { type Env, secretsFromEnv } from '../shared/secret-source.ts';
import type { IngestEnv } from './config.ts';

/** Adapters `ingestDepsFromEnv` would otherwise build itself. */
export interface IngestOverrides {
  readonly sqs?: SQSClient;
  readonly secrets?: SecretSource;
}

/** What ingest maps with: the compiled rules and, when configured, the tracker endpoint. */
export interface IngestConfig {
  readonly rules: RuleSet;
  readonly tracker?: TrackerDeps | undefined;
}

/**
 * The composition root's common part, whichever way the rules were loaded (YAML from source,
 * prepared JSON when deployed): the SQS and secrets adapters, the clock and the limits.
 */
export function composeIngestDeps(
  config: IngestEnv,
  loaded: IngestConfig,
  env: Env,
  overrides: IngestOverrides = {},
): IngestDeps {
  return {
    rules: loaded.rules,
    queue: new SqsQueue({
      client: overrides.sqs ?? new SQSClient({}),
      queueUrl: config.queueUrl,
      fifo: config.fifo,
      reorderWindowSeconds: config.reorderWindowSeconds,
    }),
    secrets: overrides.secrets ?? secretsFromEnv(env).source,
    clock: Date.now,
    ...(loaded.tracker === undefined ? {} : { tracker: loaded.tracker }),
    limits: {
      maxEvents: config.maxEvents,
      maxBodyBytes: config.maxBodyBytes,
      maxBulkBytes: config.maxBulkBytes,
    },
  };
}
