import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileRuleSet } from './compile.ts';
import { RuleSetError } from './errors.ts';
import type { CompileOptions } from './expression.ts';
import type { RuleSet } from './types.ts';

/** Rule files of a directory: `*.yaml` and `*.yml` at the top level, sorted by name. */
export async function ruleFilePaths(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * Reads and compiles the rule set in `dir` (subfolders such as `examples/` hold payloads and
 * are not read). File names in problems are `dir` joined with the file name.
 *
 * @throws {RuleSetError} listing every problem of every file.
 */
export async function loadRuleSet(dir: string, options: CompileOptions = {}): Promise<RuleSet> {
  let paths: string[];
  try {
    paths = await ruleFilePaths(dir);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new RuleSetError(
      [{ file: dir, line: 1, column: 1, path: '', message: `cannot read the rule directory (${reason})` }],
      { cause: e },
    );
  }
  const files = await Promise.all(paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') })));
  return compileRuleSet(files, options);
}
