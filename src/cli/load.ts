import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { destinationsFileOrDefault, loadDestinations } from '../destinations/index.ts';
import { compileRuleSet, loadRuleSet, type RuleSet } from '../rules/index.ts';
import { CliInputError } from './errors.ts';

/** `--destinations FILE` and `--env NAME` of the commands that load rules. */
export interface DestinationFlags {
  readonly destinations?: string;
  readonly env?: string;
}

/**
 * Loads a rule set — a directory, or one rule file on its own (the editor's "check this
 * file") when `options.file` allows it — against the destinations of `flags`
 * (`./destinations.yaml` when present and none is named), turning a missing directory into a
 * plain message instead of ENOENT.
 */
export async function loadRules(
  dir: string,
  flags: DestinationFlags = {},
  options: { readonly file?: boolean } = {},
): Promise<RuleSet> {
  const info = await stat(dir).catch(() => undefined);
  const isFile = options.file === true && info?.isFile() === true;
  if (!info?.isDirectory() && !isFile) throw new CliInputError(`rule directory "${dir}" does not exist`);
  const destinations = await loadDestinations({
    file: destinationsFileOrDefault(flags.destinations),
    environment: flags.env,
  });
  if (isFile) {
    return compileRuleSet([{ path: dir, text: await readFile(dir, 'utf8') }], {
      targets: destinations.catalog,
    });
  }
  return loadRuleSet(dir, { targets: destinations.catalog });
}

/** An event file as the CLI reads it: the parsed JSON and a stable id derived from its bytes. */
export interface EventFile {
  readonly event: unknown;
  /** sha256 of the file, as ingest identifies a body that carries no id of its own. */
  readonly digest: string;
}

/** Reads and parses an event JSON file, with a message naming the file when that fails. */
export async function readEventFile(file: string): Promise<EventFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliInputError(`cannot read event file "${file}"`);
  }
  try {
    return { event: JSON.parse(text), digest: createHash('sha256').update(text).digest('hex') };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliInputError(`event file "${file}" is not valid JSON: ${reason}`);
  }
}
