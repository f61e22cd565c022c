import { compileFile } from './compile-file.ts';
import type { CompileScope } from './compile-track.ts';
import { formatPath } from './data-path.ts';
import { type RuleProblem, RuleSetError } from './errors.ts';
import type { CompileOptions } from './expression.ts';
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
}

/** One rule file of a {@link PreparedRuleSet}. */
export interface PreparedRuleFile {
  readonly path: string;
  readonly file: RuleFile;
}

/**
 * Compiles a prepared rule set into the same {@link RuleSet} `compileRuleSet` makes of the YAML
 * files, with the same `options` (the destinations catalog above all). YAML positions are gone,
 * so a problem, only possible in a file edited by hand after synth, names line 1 of its file
 * with the data path.
 *
 * @throws {RuleSetError} for any problem, or for a value that is not a prepared rule set.
 */
export function compilePreparedRuleSet(prepared: unknown, options: CompileOptions = {}): RuleSet {
  if (!isPrepared(prepared)) {
    const where = { file: 'prepared rule set', line: 1, column: 1, path: '' };
    throw new RuleSetError([{ ...where, message: 'not a prepared rule set (version 1)' }]);
  }
  const problems: RuleProblem[] = [];
  const sources = new Map<string, CompiledSource>();
  for (const { path, file } of prepared.files) {
    const scope: CompileScope = { src: positionless(path, file), problems, options };
    const source = compileFile(scope, file);
    const other = sources.get(source.name);
    if (other !== undefined) {
      problems.push(
        scope.src.problem(['source'], `source "${source.name}" is also defined in ${other.file}`),
      );
    }
    sources.set(source.name, source);
  }
  if (problems.length > 0) throw new RuleSetError(problems);
  return { sources };
}

function isPrepared(value: unknown): value is PreparedRuleSet {
  const v = value as Partial<PreparedRuleSet> | null;
  return typeof v === 'object' && v !== null && v.version === 1 && Array.isArray(v.files);
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
