import { type SqsBatchSender, SqsQueue } from '../../src/adapters/sqs-queue.ts';
import { SqsClient } from '../../src/aws-lite/sqs.ts';
import type { IngestDeps } from '../../src/ingest/index.ts';
import type { RuleSet } from '../../src/rules/types.ts';
import type { SecretSource } from '../../src/secrets/secrets.ts';
import type { TrackerDeps } from '../../src/sources/matomo-tracker/handle.ts';
import { type Env, secretsFromEnv } from '../shared/secret-source.ts';
import type { IngestEnv } from './config.ts';

/** Adapters the composition root would otherwise build itself. */
export interface ComposeOverrides {
  /** @default aws-lite's SqsClient configured from `env` as on Lambda */
  readonly sqs?: SqsBatchSender;
  readonly secrets?: SecretSource;
}

/** What ingest maps with: the compiled rules and, when configured, the tracker endpoint. */
export interface IngestConfig {
  readonly rules: RuleSet;
  readonly tracker?: TrackerDeps | undefined;
}

/**
 * The composition root's common part, whichever way the rules were loaded (YAML from source,
 * prepared JSON when deployed): the SQS and secrets adapters, the clock and the limits. SQS is
 * reached through aws-lite (`src/aws-lite/`), not the AWS SDK: importing the SDK's SQS client
 * and its first send were most of the deployed cold start. Its region and credentials are read
 * from `env` at the first send: without them a send fails, and ingest answers 503.
 */
export function composeIngestDeps(
  config: IngestEnv,
  loaded: IngestConfig,
  env: Env,
  overrides: ComposeOverrides = {},
): IngestDeps {
  return {
    rules: loaded.rules,
    queue: new SqsQueue({
      client: overrides.sqs ?? SqsClient.fromEnv(env),
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
