import { lazyIngestHandler } from './create-handler.ts';
import { type Env, ingestDepsFromEnv } from './env.ts';

export { createIngestHandler, type IngestHandler, lazyIngestHandler } from './create-handler.ts';
export { type Env, type IngestOverrides, ingestDepsFromEnv } from './env.ts';

/**
 * The ingest handler from source: composed from `process.env` on the first invocation (the
 * YAML files of `TAGLANE_RULES_DIR`, `TAGLANE_DESTINATIONS_FILE`, `TAGLANE_TRACKER_FILE`), then
 * reused. `taglane serve` and the tests run it; the stack deploys `lambda.ts`, which loads the
 * same configuration prepared at synth.
 */
export const handler = lazyIngestHandler(() => ingestDepsFromEnv(process.env as Env));
