import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { parseDestinationsFile } from '../src/destinations/parse.ts';
import { prepareDestinations } from '../src/destinations/prepared.ts';
import { PREPARED_INGEST_FILE, prepareIngest } from '../src/ingest/prepared.ts';
import type { PreparedRuleSet } from '../src/rules/prepared.ts';
import type { TrackerConfig } from '../src/sources/matomo-tracker/config.ts';
import type { StackDestinations } from './destinations.ts';

/** Where the deployed ingest finds its prepared configuration (Lambda unpacks to /var/task). */
export const BUNDLED_PREPARED_INGEST = `/var/task/${PREPARED_INGEST_FILE}`;

/**
 * Writes what the deployed ingest maps with, checked already by the stack (the rule set, the
 * destinations of its environment, the tracker file), as one JSON file in `workDir` (the cloud
 * assembly directory), and returns its path for the bundling hook to copy: the hooks only run
 * shell commands, after synth has read everything.
 */
export function writePreparedIngest(
  parts: {
    readonly rules: PreparedRuleSet;
    /** The destinations file as named in problems and where it is (`StackDestinations`). */
    readonly destinations: Pick<StackDestinations, 'file' | 'path'>;
    readonly environment: string | undefined;
    readonly tracker: TrackerConfig | undefined;
  },
  workDir: string = tmpdir(),
): string {
  const { destinations } = parts;
  // Parsed again (it is small) because the stack keeps the resolved destinations only; the
  // file passed the same parser moments ago, in stackDestinations.
  const file =
    destinations.path === undefined || destinations.file === undefined
      ? undefined
      : parseDestinationsFile(destinations.file, readFileSync(destinations.path, 'utf8'));
  const prepared = prepareIngest({
    rules: parts.rules,
    destinations: prepareDestinations(file, parts.environment),
    tracker: parts.tracker,
  });
  const text = JSON.stringify(prepared);
  // Named by content, like CDK's asset directories: synthesising again adds no file.
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, `ingest.${hash}.prepared.json`);
  writeFileSync(path, text);
  return path;
}

/** Bundling hooks that ship `file` (from {@link writePreparedIngest}) next to the ingest handler. */
export function preparedIngestHooks(file: string): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_input: string, output: string) => [
      `cp ${shellQuote(file)} ${shellQuote(join(output, basename(BUNDLED_PREPARED_INGEST)))}`,
    ],
  };
}

/** Single-quotes a path for the bundling shell command. */
function shellQuote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}
