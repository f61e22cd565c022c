import { readFile } from 'node:fs/promises';
import { compilePreparedIngest } from '../../src/ingest/prepared.ts';
import { trackerDeps } from '../../src/sources/matomo-tracker/handle.ts';
import type { IngestConfig } from './compose.ts';

/**
 * Rules and tracker settings from the file the stack prepared at synth
 * (`lib/prepared-ingest.ts`): what `loadYamlIngestConfig` gives for the YAML files it was made
 * of, with neither the YAML parser nor zod loaded.
 *
 * @throws RuleSetError for a file that is not a prepared configuration; a read error as is.
 */
export async function loadPreparedIngestConfig(file: string): Promise<IngestConfig> {
  const compiled = compilePreparedIngest(JSON.parse(await readFile(file, 'utf8')));
  return {
    rules: compiled.rules,
    ...(compiled.tracker === undefined ? {} : { tracker: trackerDeps(compiled.tracker) }),
  };
}
