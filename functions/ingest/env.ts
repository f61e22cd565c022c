import { loadDestinations } from '../../src/destinations/index.ts';
import type { IngestDeps } from '../../src/ingest/index.ts';
import { loadRuleSet } from '../../src/rules/index.ts';
import { loadTrackerConfig, trackerDeps } from '../../src/sources/matomo-tracker/index.ts';
import type { Env } from '../shared/secret-source.ts';
import { composeIngestDeps, type IngestConfig, type IngestOverrides } from './compose.ts';
import { type IngestEnv, parseIngestEnv } from './config.ts';

export type { Env } from '../shared/secret-source.ts';
export type { IngestOverrides } from './compose.ts';

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
  return composeIngestDeps(config, await loadYamlIngestConfig(config), env, overrides);
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
