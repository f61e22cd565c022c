import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { type Held, perFile, perTest } from './lifecycle.ts';

/** Files to write into a temporary directory: path relative to it -> text. */
export type TempFiles = Readonly<Record<string, string>>;

/** A temporary directory and how to remove it with everything in it. */
export interface TempDir {
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** Makes a fresh directory under the OS temp directory and writes `files` into it. */
export async function makeTempDir(prefix: string, files: TempFiles = {}): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Registers an `afterEach` that removes every directory the returned function made during the
 * test. Call it at the top of a test file (or of a `describe`).
 *
 * @example
 * const dirWith = tempDirMaker('taglane-cli-');
 * it('...', async () => { const dir = await dirWith({ 'shop.yaml': RULES }); ... });
 */
export function tempDirMaker(prefix: string): (files?: TempFiles) => Promise<string> {
  const made: TempDir[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((temp) => temp.cleanup()));
  });
  return async (files = {}) => {
    const temp = await makeTempDir(prefix, files);
    made.push(temp);
    return temp.dir;
  };
}

/**
 * One directory for every test of the file (or `describe`), made in `beforeAll` and removed in
 * `afterAll`. Register it before the hooks that start servers on it (see {@link perFile}).
 * Read `path` inside hooks and tests only.
 */
export function tempDirPerFile(prefix: string, files: TempFiles = {}): { readonly path: string } {
  return pathOf(perFile('the temporary directory', () => makeTempDir(prefix, files), removeTempDir));
}

/** Like {@link tempDirPerFile}, but a fresh directory (with `files`) for each test. */
export function tempDirPerTest(prefix: string, files: TempFiles = {}): { readonly path: string } {
  return pathOf(perTest('the temporary directory', () => makeTempDir(prefix, files), removeTempDir));
}

const removeTempDir = (temp: TempDir): Promise<void> => temp.cleanup();

function pathOf(temp: Held<TempDir>): { readonly path: string } {
  return {
    get path(): string {
      return temp.current.dir;
    },
  };
}
