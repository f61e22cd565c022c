import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compileRuleSet } from './compile.ts';
import { type RuleProblem, RuleSetError } from './errors.ts';
import type { CompileOptions } from './expression.ts';
import type { RuleSet } from './types.ts';

/** The rule files of a directory, and the names that look like rule files but cannot be read. */
export interface RuleFileListing {
  readonly paths: readonly string[];
  /** A `*.yaml` symbolic link whose target is missing, one problem each. */
  readonly problems: readonly RuleProblem[];
}

const RULE_FILE = /\.ya?ml$/;

/**
 * Rule files of a directory: `*.yaml` and `*.yml` at the top level, sorted by name. Symbolic
 * links to files count (a Kubernetes ConfigMap mounts every key as a link into `..data/`);
 * a link whose target is missing is a problem, not a file silently left out.
 */
export async function listRuleFiles(dir: string): Promise<RuleFileListing> {
  const entries = await readdir(dir, { withFileTypes: true });
  const paths: string[] = [];
  const problems: RuleProblem[] = [];
  for (const entry of entries) {
    if (!RULE_FILE.test(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isFile()) paths.push(path);
    if (!entry.isSymbolicLink()) continue;
    const target = await stat(path).catch((e: unknown) => e as NodeJS.ErrnoException);
    if (target instanceof Error) {
      const message = `broken symbolic link: its target cannot be read (${target.code ?? target.message})`;
      problems.push({ file: path, line: 1, column: 1, path: '', message });
    } else if (target.isFile()) {
      paths.push(path);
    }
  }
  return { paths: paths.sort(), problems };
}

/** The paths of {@link listRuleFiles}, for callers that only need the files that can be read. */
export async function ruleFilePaths(dir: string): Promise<string[]> {
  return [...(await listRuleFiles(dir)).paths];
}

/**
 * Reads and compiles the rule set in `dir` (subfolders such as `examples/` hold payloads and
 * are not read). File names in problems are `dir` joined with the file name.
 *
 * @throws {RuleSetError} listing every problem of every file.
 */
export async function loadRuleSet(dir: string, options: CompileOptions = {}): Promise<RuleSet> {
  let listing: RuleFileListing;
  try {
    listing = await listRuleFiles(dir);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new RuleSetError(
      [{ file: dir, line: 1, column: 1, path: '', message: `cannot read the rule directory (${reason})` }],
      { cause: e },
    );
  }
  const files = await Promise.all(
    listing.paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') })),
  );
  if (listing.problems.length === 0) return compileRuleSet(files, options);
  // Report the broken links together with every problem of the readable files.
  const others = catchProblems(() => compileRuleSet(files, options));
  const problems = [...listing.problems, ...others].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
  );
  throw new RuleSetError(problems);
}

function catchProblems(compile: () => unknown): readonly RuleProblem[] {
  try {
    compile();
    return [];
  } catch (e) {
    if (e instanceof RuleSetError) return e.problems;
    throw e;
  }
}
