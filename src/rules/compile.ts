import type { z } from 'zod';
import { compileFile } from './compile-file.ts';
import { type RuleProblem, RuleSetError } from './errors.ts';
import { RuleFileSchema } from './schema.ts';
import type { CompiledSource, RuleSet } from './types.ts';
import { parseYamlSource, type YamlSource } from './yaml-source.ts';

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
export function compileRuleSet(files: readonly RuleFileText[]): RuleSet {
  const problems: RuleProblem[] = [];
  const sources = new Map<string, CompiledSource>();
  for (const { path, text } of files) {
    const fileProblems: RuleProblem[] = [];
    const source = compileOne(path, text, fileProblems);
    if (source && sources.has(source.name)) {
      const other = sources.get(source.name)?.file ?? '';
      fileProblems.push(
        parseYamlSource(path, text).problem(
          ['source'],
          `source "${source.name}" is also defined in ${other}`,
        ),
      );
    } else if (source) {
      sources.set(source.name, source);
    }
    problems.push(...fileProblems.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  if (problems.length > 0) throw new RuleSetError(problems);
  return { sources };
}

function compileOne(path: string, text: string, problems: RuleProblem[]): CompiledSource | undefined {
  const src = parseYamlSource(path, text);
  if (src.syntaxProblems.length > 0) {
    problems.push(...src.syntaxProblems);
    return undefined;
  }
  const parsed = RuleFileSchema.safeParse(src.data ?? undefined);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...issueProblems(src, issue));
    return undefined;
  }
  const source = compileFile(src, parsed.data, problems);
  return problems.length > 0 ? undefined : source;
}

function issueProblems(src: YamlSource, issue: z.core.$ZodIssue): RuleProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) =>
      src.problem([...issue.path, key], `unknown key "${key}"`, { atKey: true }),
    );
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    const last = issue.path.at(-1);
    const message = last === undefined ? 'expected a YAML mapping' : `missing required key "${String(last)}"`;
    return [src.problem(issue.path, message)];
  }
  if (issue.code === 'invalid_key') {
    return [src.problem(issue.path, issue.issues[0]?.message ?? issue.message, { atKey: true })];
  }
  return [src.problem(issue.path, issue.message)];
}
