import { expressionProblems } from './check-expressions.ts';
import { compileFile } from './compile-file.ts';
import { type CompileScope, compileTrack } from './compile-track.ts';
import { type RuleProblem, RuleSetError } from './errors.ts';
import type { CompileOptions } from './expression.ts';
import { issueProblems } from './issue-problems.ts';
import { RuleFileSchema } from './schema.ts';
import { Track } from './schema-tracks.ts';
import { suggestKeys } from './suggest.ts';
import type { CompiledSource, RuleSet } from './types.ts';
import { type DataPath, parseYamlSource, type YamlSource } from './yaml-source.ts';

/** A rule file's name and text, as read from disk (or written by a test). */
export interface RuleFileText {
  readonly path: string;
  readonly text: string;
}

/**
 * Compiles rule files into a rule set, once: YAML with positions, the strict schema, every
 * expression. Pure (no I/O). Collects every problem of every file and throws them together.
 *
 * @throws {RuleSetError} when any file has any problem.
 */
export function compileRuleSet(files: readonly RuleFileText[], options: CompileOptions = {}): RuleSet {
  const problems: RuleProblem[] = [];
  const sources = new Map<string, CompiledSource>();
  for (const { path, text } of files) {
    const src = parseYamlSource(path, text);
    const fileProblems: RuleProblem[] = [];
    const source = compileOne(src, fileProblems, options);
    const other = source && sources.get(source.name);
    if (source && other) {
      fileProblems.push(src.problem(['source'], `source "${source.name}" is also defined in ${other.file}`));
    } else if (source && fileProblems.length === 0) {
      sources.set(source.name, source);
    }
    problems.push(...fileProblems.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  if (problems.length > 0) throw new RuleSetError(problems);
  return { sources };
}

function compileOne(
  src: YamlSource,
  problems: RuleProblem[],
  options: CompileOptions,
): CompiledSource | undefined {
  if (src.syntaxProblems.length > 0) {
    problems.push(...src.syntaxProblems);
    return undefined;
  }
  const scope: CompileScope = { src, problems, options };
  problems.push(...expressionProblems(src, src.data));
  const parsed = RuleFileSchema.safeParse(src.data);
  if (parsed.success) return compileFile(scope, parsed.data);
  problems.push(
    ...suggestKeys(
      issueProblems(src, parsed.error.issues, {
        rootMessage: 'expected a YAML mapping with source, auth, site and rules',
      }),
    ),
  );
  // The file as a whole is invalid, but its valid track items can still be checked, so one run
  // reports every mistake (a typo in one place, a blank literal in another).
  for (const [path, item] of trackItems(src.data)) {
    const track = Track.safeParse(item);
    if (track.success) compileTrack(scope, path, track.data);
  }
  return undefined;
}

function trackItems(data: unknown): [DataPath, unknown][] {
  const rules = (data as { rules?: unknown } | undefined)?.rules;
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((rule, r) => {
    const track = (rule as { track?: unknown } | null)?.track;
    return Array.isArray(track)
      ? track.map((item, t): [DataPath, unknown] => [['rules', r, 'track', t], item])
      : [];
  });
}
