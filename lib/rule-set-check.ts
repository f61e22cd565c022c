import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CompileOptions, formatProblem, type RuleSet, RuleSetError } from '../src/rules/index.ts';
import { prepareRuleSet } from '../src/rules/prepare.ts';
import type { PreparedRuleSet } from '../src/rules/prepared.ts';

/** The rule set could not be compiled: synth stops with the same lines `taglane validate` prints. */
export class RuleSetSynthError extends Error {
  override readonly name = 'RuleSetSynthError';
  /** One `file:line:col path: message` line per problem. */
  readonly lines: readonly string[];

  constructor(lines: readonly string[], options?: ErrorOptions) {
    super(`Invalid rule set, nothing deployed:\n${lines.join('\n')}`, options);
    this.lines = lines;
  }
}

/**
 * Reads and compiles every `*.yaml`/`*.yml` file of `dir` at synth time, so `cdk deploy`
 * never ships rules ingest would reject at cold start. Synchronous on purpose: constructs
 * are built synchronously, and `compileRuleSet` is the same pure compiler `loadRuleSet`
 * uses, fed the same file names (`<dir>/<file>`), so the messages match `taglane validate`.
 *
 * `options.targets` are the destinations the rules may name.
 *
 * @throws RuleSetSynthError listing every problem of every file, or a missing directory.
 */
export function checkRuleSet(dir: string, options: CompileOptions = {}): RuleSet {
  return checkAndPrepareRuleSet(dir, options).ruleSet;
}

/**
 * {@link checkRuleSet}, also returning the rule set prepared for the deployed ingest
 * (`compilePreparedRuleSet`), which then does no YAML or schema work at its cold start.
 *
 * @throws RuleSetSynthError as {@link checkRuleSet}.
 */
export function checkAndPrepareRuleSet(
  dir: string,
  options: CompileOptions = {},
): { readonly ruleSet: RuleSet; readonly prepared: PreparedRuleSet } {
  let names: string[];
  try {
    // Same selection as `ruleFilePaths`: top-level files (or links to files) only, `examples/`
    // holds payloads. A broken link is kept, so it is reported below, not left out.
    names = readdirSync(dir, { withFileTypes: true })
      .filter(
        (e) =>
          /\.ya?ml$/.test(e.name) && (e.isFile() || (e.isSymbolicLink() && !isDirectory(join(dir, e.name)))),
      )
      .map((e) => e.name)
      .sort();
  } catch (cause) {
    throw new RuleSetSynthError([`${dir}: rules directory not found (set -c rulesDir=...)`], { cause });
  }
  const paths = names.map((name) => join(dir, name));
  const broken = paths.filter((path) => !statSync(path, { throwIfNoEntry: false }));
  if (broken.length > 0) {
    throw new RuleSetSynthError(
      broken.map((path) => `${path}:1:1 broken symbolic link: its target cannot be read`),
    );
  }
  const files = paths.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  try {
    return prepareRuleSet(files, options);
  } catch (error) {
    if (error instanceof RuleSetError) {
      throw new RuleSetSynthError(error.problems.map(formatProblem), { cause: error });
    }
    throw error;
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** Secret names the rule set's auth settings refer to, for the deploy output and docs. */
export function secretNamesOf(ruleSet: RuleSet): string[] {
  const names = new Set<string>();
  for (const source of ruleSet.sources.values()) {
    const auth = source.auth;
    if ('secrets' in auth) for (const name of auth.secrets) names.add(name);
    else names.add(auth.secret);
  }
  return [...names].sort();
}
