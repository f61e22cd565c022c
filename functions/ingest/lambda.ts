import { PREPARED_INGEST_FILE } from '../../src/ingest/prepared.ts';
import type { Env } from '../shared/secret-source.ts';
import { composeIngestDeps } from './compose.ts';
import { parseIngestEnv } from './config.ts';
import { lazyIngestHandler } from './create-handler.ts';
import { loadPreparedIngestConfig } from './prepared-config.ts';

/**
 * The deployed ingest entry point (`lib/taglane-stack.ts` bundles this file). The stack checked
 * the rules, destinations and tracker file at synth and ships them prepared as one JSON file
 * (`TAGLANE_PREPARED_FILE`), so the cold start reads JSON and compiles expressions: no YAML
 * parser and no zod in the bundle. Everything else is the handler `taglane serve` runs.
 */
export const handler = lazyIngestHandler(async () => {
  const env = process.env as Env;
  const config = parseIngestEnv(env);
  const loaded = await loadPreparedIngestConfig(config.preparedFile ?? PREPARED_INGEST_FILE);
  return composeIngestDeps(config, loaded, env);
});
