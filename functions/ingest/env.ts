import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SqsBatchSender } from '../../src/adapters/sqs-queue.ts';
import { sqsClientLike } from '../../src/adapters/sqs-sdk-batch.ts';
import { loadDestinations } from '../../src/destinations/index.ts';
import type { IngestDeps } from '../../src/ingest/index.ts';
import { loadRuleSet } from '../../src/rules/index.ts';
import type { SecretSource } from '../../src/secrets/secrets.ts';
import { loadTrackerConfig, trackerDeps } from '../../src/sources/matomo-tracker/index.ts';
import type { Env } from '../shared/secret-source.ts';
import { composeIngestDeps, type IngestConfig } from './compose.ts';
import { type IngestEnv, parseIngestEnv } from './config.ts';

export type { Env } from '../shared/secret-source.ts';

/** Adapters `ingestDepsFromEnv` would otherwise build itself. */
export interface IngestOverrides {
  /**
   * The queue's client. An AWS SDK client (what `taglane serve` and the tests hold, pointed at
   * their local SQS) lends its endpoint, region and credentials to aws-lite's client, so ingest
   * runs on the same SQS client here as when deployed.
   */
  readonly sqs?: SQSClient | SqsBatchSender;
  readonly secrets?: SecretSource;
}

/**
 * The composition root of ingest run from source (`taglane serve`, the tests): validates the
 * environment (every problem reported at once), loads and compiles the YAML rule set against
 * the destinations of `TAGLANE_ENV` (a `RuleSetError` or `DestinationsFileError` stops the cold
 * start), and builds the SQS and secrets adapters. The deployed function (`lambda.ts`) loads
 * the same configuration prepared at synth instead.
 *
 * @throws Error listing every invalid variable; RuleSetError or DestinationsFileError for invalid files.
 */
export async function ingestDepsFromEnv(env: Env, overrides: IngestOverrides = {}): Promise<IngestDeps> {
  const config = parseIngestEnv(env);
  const sqs =
    overrides.sqs === undefined || 'sendMessageBatch' in overrides.sqs
      ? overrides.sqs
      : await sqsClientLike(overrides.sqs);
  return composeIngestDeps(config, await loadYamlIngestConfig(config), env, {
    ...(sqs === undefined ? {} : { sqs }),
    ...(overrides.secrets === undefined ? {} : { secrets: overrides.secrets }),
  });
}

/** Rules, destinations and tracker settings from their YAML files, as `config` names them. */
export async function loadYamlIngestConfig(config: IngestEnv): Promise<IngestConfig> {
  const destinations = await loadDestinations({
    file: config.destinationsFile,
    environment: config.environment,
  });
  const rules = await loadRuleSet(config.rulesDir, { targets: destinations.catalog });
  const names = new Set(destinations.list.map((d) => d.name));
  const tracker =
    config.trackerFile === undefined
      ? undefined
      : trackerDeps(await loadTrackerConfig(config.trackerFile, names));
  return { rules, tracker };
}
