import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { SqsQueue } from '../../src/adapters/sqs-queue.ts';
import { loadDestinations } from '../../src/destinations/index.ts';
import type { IngestDeps } from '../../src/ingest/index.ts';
import { loadRuleSet } from '../../src/rules/index.ts';
import type { SecretSource } from '../../src/secrets/secrets.ts';
import { loadTrackerConfig, trackerDeps } from '../../src/sources/matomo-tracker/index.ts';
import { type Env, parseEnv, positiveInt, secretsFromEnv } from '../shared/env.ts';

export type { Env } from '../shared/env.ts';

/** The ingest function's environment (docs/architecture.md); unknown variables are ignored. */
const IngestEnvSchema = z.object({
  TAGLANE_RULES_DIR: z.string().min(1).default('rules'),
  TAGLANE_QUEUE_URL: z.url({ error: 'TAGLANE_QUEUE_URL must be the URL of the SQS queue' }),
  TAGLANE_QUEUE_FIFO: z
    .enum(['true', 'false'], { error: 'TAGLANE_QUEUE_FIFO must be true or false' })
    .default('false'),
  TAGLANE_MAX_EVENTS: positiveInt('TAGLANE_MAX_EVENTS', 500),
  TAGLANE_MAX_BODY_BYTES: positiveInt('TAGLANE_MAX_BODY_BYTES', 1_048_576),
  TAGLANE_REORDER_WINDOW_SECONDS: z.coerce
    .number({ error: 'TAGLANE_REORDER_WINDOW_SECONDS must be a number of seconds' })
    .int('TAGLANE_REORDER_WINDOW_SECONDS must be whole seconds')
    .min(0, 'TAGLANE_REORDER_WINDOW_SECONDS must be >= 0')
    .max(900, 'TAGLANE_REORDER_WINDOW_SECONDS must be <= 900 (the longest SQS delay)')
    .default(0),
  // The batcher's bulk limit, read here too: a request no bulk can hold is refused at ingest.
  TAGLANE_BULK_MAX_BYTES: positiveInt('TAGLANE_BULK_MAX_BYTES', 1_048_576),
  TAGLANE_SECRET_ARNS: z.string().optional(),
  TAGLANE_SECRET_PARAMETERS: z.string().optional(),
  TAGLANE_DESTINATIONS_FILE: z.string().optional(),
  TAGLANE_ENV: z.string().optional(),
  TAGLANE_TRACKER_FILE: z.string().optional(),
});

/** Adapters `ingestDepsFromEnv` would otherwise build itself. */
export interface IngestOverrides {
  readonly sqs?: SQSClient;
  readonly secrets?: SecretSource;
}

/**
 * The composition root: validates the environment (every problem reported at once), loads and
 * compiles the rule set against the destinations of `TAGLANE_ENV` (a `RuleSetError` or
 * `DestinationsFileError` stops the cold start), and builds the SQS and
 * secrets adapters. Empty strings count as unset, as CloudFormation cannot omit a variable.
 *
 * @throws Error listing every invalid variable; RuleSetError or DestinationsFileError for invalid files.
 */
export async function ingestDepsFromEnv(env: Env, overrides: IngestOverrides = {}): Promise<IngestDeps> {
  const { data: config, problems } = parseEnv(IngestEnvSchema, env);
  if (config === undefined) throw new Error(`invalid ingest environment:\n  ${problems.join('\n  ')}`);
  const destinations = await loadDestinations({
    file: config.TAGLANE_DESTINATIONS_FILE,
    environment: config.TAGLANE_ENV,
  });
  const rules = await loadRuleSet(config.TAGLANE_RULES_DIR, { targets: destinations.catalog });
  const tracker =
    config.TAGLANE_TRACKER_FILE === undefined
      ? undefined
      : trackerDeps(
          await loadTrackerConfig(config.TAGLANE_TRACKER_FILE, new Set(destinations.list.map((d) => d.name))),
        );
  const secrets = overrides.secrets ?? secretsFromEnv(env).source;
  return {
    rules,
    queue: new SqsQueue({
      client: overrides.sqs ?? new SQSClient({}),
      queueUrl: config.TAGLANE_QUEUE_URL,
      fifo: config.TAGLANE_QUEUE_FIFO === 'true',
      reorderWindowSeconds: config.TAGLANE_REORDER_WINDOW_SECONDS,
    }),
    secrets,
    clock: Date.now,
    ...(tracker === undefined ? {} : { tracker }),
    limits: {
      maxEvents: config.TAGLANE_MAX_EVENTS,
      maxBodyBytes: config.TAGLANE_MAX_BODY_BYTES,
      maxBulkBytes: config.TAGLANE_BULK_MAX_BYTES,
    },
  };
}
