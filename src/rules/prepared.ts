import { compileFile, normaliseAuth } from './compile-file.ts';
import type { CompileScope } from './compile-track.ts';
import { type DataPath, formatPath } from './data-path.ts';
import { type RuleProblem, RuleSetError } from './errors.ts';
import { type CompileOptions, isExpression } from './expression.ts';
import type { Node } from './fast.ts';
import type { RuleFile } from './schema.ts';
import type { CompiledSource, RuleSet } from './types.ts';
import type { YamlSource } from './yaml-source.ts';

/**
 * A rule set checked in full ahead of time by `prepareRuleSet` (YAML read, schema applied,
 * every expression, target and example compiled), kept as the schema's output per file: plain
 * JSON. Compiling it needs neither the YAML parser nor zod, which is what a deployed ingest
 * loads at its cold start instead of the YAML files.
 */
export interface PreparedRuleSet {
  readonly version: 1;
  /** Each rule file's name (as problems named it at synth) and its schema-valid data. */
  readonly files: readonly PreparedRuleFile[];
  /**
   * Every expression body of the files, parsed at synth (`preparseExpression`): the JSONata AST
   * the fast compiler builds its closures from, or null where plain paths or JSONata itself
   * need no AST. So a cold start does not parse JSONata.
   */
  readonly expressions: Readonly<Record<string, Node | null>>;
}

/** One rule file of a {@link PreparedRuleSet}. */
export interface PreparedRuleFile {
  readonly path: string;
  readonly file: RuleFile;
}

/** Options of {@link compilePreparedRuleSet}. */
export interface PreparedCompileOptions extends CompileOptions {
  /**
   * Compile each source on its first use instead of all at once. A deployed ingest maps its
   * first event with one source, so its cold start compiles only that one's expressions. The
   * set was checked in full at synth; a problem (a file edited by hand since) is thrown at that
   * first use instead, as the same RuleSetError. @default false
   */
  readonly lazy?: boolean;
}

/**
 * Compiles a prepared rule set into the same {@link RuleSet} `compileRuleSet` makes of the YAML
 * files, with the same `options` (the destinations catalog above all). YAML positions are gone,
 * so a problem, only possible in a file edited by hand after synth, names line 1 of its file
 * with the data path.
 *
 * @throws {RuleSetError} for any problem (with `lazy`, only a source defined twice), or for a
 *   value that is not a prepared rule set.
 */
export function compilePreparedRuleSet(prepared: unknown, options: PreparedCompileOptions = {}): RuleSet {
  if (!isPrepared(prepared)) {
    const where = { file: 'prepared rule set', line: 1, column: 1, path: '' };
    throw new RuleSetError([{ ...where, message: 'not a prepared rule set (version 1)' }]);
  }
  const problems: RuleProblem[] = [];
  const sources = new Map<string, CompiledSource>();
  const parsed = new Map(Object.entries(prepared.expressions));
  const withAsts: CompileOptions = { ...options, parsed };
  for (const { path, file } of prepared.files) {
    const source =
      options.lazy === true ? lazySource(path, file, withAsts) : compileOne(path, file, withAsts, problems);
    const other = sources.get(source.name);
    if (other !== undefined) {
      const message = `source "${source.name}" is also defined in ${other.file}`;
      problems.push(positionless(path, file).problem(['source'], message));
    }
    sources.set(source.name, source);
  }
  if (problems.length > 0) throw new RuleSetError(problems);
  return { sources };
}

function compileOne(
  path: string,
  file: RuleFile,
  options: CompileOptions,
  problems: RuleProblem[],
): CompiledSource {
  const scope: CompileScope = { src: positionless(path, file), problems, options };
  // The compiler leaves expression syntax to the synth's check: an expression synth did not
  // parse (a file edited by hand since) is refused here, not compiled to null.
  forEachExpression(file, (body, at) => {
    if (!options.parsed?.has(body)) problems.push(scope.src.problem(at, 'expression not checked at synth'));
  });
  return compileFile(scope, file);
}

/**
 * A source whose name, file and auth (all that routing and authentication read) come off the
 * prepared data at once, and whose rules are compiled when first asked for.
 */
function lazySource(path: string, file: RuleFile, options: CompileOptions): CompiledSource {
  let compiled: CompiledSource | undefined;
  const get = (): CompiledSource => {
    if (compiled !== undefined) return compiled;
    const problems: RuleProblem[] = [];
    const source = compileOne(path, file, options, problems);
    if (problems.length > 0) throw new RuleSetError(problems);
    compiled = source;
    return source;
  };
  return {
    name: file.source,
    file: path,
    auth: normaliseAuth(file.auth),
    get destination() {
      return get().destination;
    },
    get rules() {
      return get().rules;
    },
    get examples() {
      return get().examples;
    },
    eventId: async (event) => get().eventId(event),
    challenge: async (event) => get().challenge(event),
    map: async (event, ctx) => get().map(event, ctx),
  };
}

function isPrepared(value: unknown): value is PreparedRuleSet {
  const v = value as Partial<PreparedRuleSet> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.version === 1 &&
    Array.isArray(v.files) &&
    typeof v.expressions === 'object' &&
    v.expressions !== null
  );
}

/**
 * Calls `fn` with the body and data path of every expression in a rule file's data (the
 * expected requests of examples are literal parameters, never expressions).
 */
export function forEachExpression(data: unknown, fn: (body: string, path: DataPath) => void): void {
  const visit = (value: unknown, path: DataPath): void => {
    if (typeof value === 'string') {
      if (isExpression(value)) fn(value.slice(2, -2), path);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        visit(item, [...path, i]);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value))
        if (!(key === 'expect' && path.at(-2) === 'examples')) visit(item, [...path, key]);
    }
  };
  visit(data, []);
}

/** A rule file without YAML positions: problems point at line 1 and carry the data path. */
function positionless(file: string, data: RuleFile): YamlSource {
  return {
    file,
    data,
    syntaxProblems: [],
    problem: (path, message) => ({ file, line: 1, column: 1, path: formatPath(path), message }),
    scalarSource: () => undefined,
  };
}
