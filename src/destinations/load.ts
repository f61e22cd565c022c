import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DestinationsFileError } from './errors.ts';
import { type DestinationsFile, parseDestinationsFile } from './parse.ts';
import { type Destinations, resolveDestinations } from './resolve.ts';

/** Where the CLI and `taglane serve` look when no file is named: the working directory. */
export const DEFAULT_DESTINATIONS_FILE = 'destinations.yaml';

/** Which destinations file and environment to use. */
export interface DestinationsOptions {
  /** The file; undefined: only the implicit `default` (MATOMO_URL). */
  readonly file?: string | undefined;
  /** The environment whose URLs, tokens and site ids apply. @default none: the declared ones */
  readonly environment?: string | undefined;
}

/**
 * Reads, validates and resolves a destinations file for one environment.
 *
 * @throws {DestinationsFileError} with every problem (an unreadable file is one at 1:1).
 */
export async function loadDestinations(options: DestinationsOptions = {}): Promise<Destinations> {
  const { file } = options;
  const parsed =
    file === undefined ? undefined : parse(file, await readFile(file, 'utf8').catch(unreadable(file)));
  return resolveDestinations(parsed, options.environment);
}

/** {@link loadDestinations} for synchronous callers (CDK constructs are built synchronously). */
export function loadDestinationsSync(options: DestinationsOptions = {}): Destinations {
  const { file } = options;
  let parsed: DestinationsFile | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return unreadable(file)(error);
    }
    parsed = parse(file, text);
  }
  return resolveDestinations(parsed, options.environment);
}

/** The file named, else `destinations.yaml` when the working directory has one. */
export function destinationsFileOrDefault(file: string | undefined): string | undefined {
  if (file !== undefined && file !== '') return file;
  return existsSync(DEFAULT_DESTINATIONS_FILE) ? DEFAULT_DESTINATIONS_FILE : undefined;
}

function parse(file: string, text: string): DestinationsFile {
  return parseDestinationsFile(file, text);
}

function unreadable(file: string): (error: unknown) => never {
  return (error) => {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DestinationsFileError(
      [{ file, line: 1, column: 1, path: '', message: `cannot read the destinations file (${reason})` }],
      { cause: error },
    );
  };
}
