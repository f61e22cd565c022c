import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { loadRuleSet, type RuleSet } from '../rules/index.ts';
import { CliInputError } from './errors.ts';

/** Loads a rule set, turning a missing directory into a plain message instead of ENOENT. */
export async function loadRules(dir: string): Promise<RuleSet> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliInputError(`rule directory "${dir}" does not exist`);
  return loadRuleSet(dir);
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
