import type { z } from 'zod';
import type { RuleProblem } from './errors.ts';
import type { YamlSource } from './yaml-source.ts';

/**
 * Turns zod's issues for a YAML file into `file:line:col path: message` problems: an unknown
 * key at the key itself, a missing key named, an invalid record key at the key; `rootMessage`
 * replaces zod's wording when the whole document has the wrong type. Used for rule files and
 * `destinations.yaml` alike.
 */
export function issueProblems(
  src: YamlSource,
  issues: readonly z.core.$ZodIssue[],
  options: { readonly rootMessage?: string } = {},
): RuleProblem[] {
  const unknownAt = new Set(
    issues.filter((i) => i.code === 'unrecognized_keys').map((i) => i.path.join('\0')),
  );
  return issues.flatMap((issue): RuleProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) =>
        src.problem([...issue.path, key], `unknown key "${key}"`, { atKey: true }),
      );
    }
    // "expected one track type" adds nothing when the item's key is already reported as unknown.
    if (issue.code === 'custom' && unknownAt.has(issue.path.join('\0'))) return [];
    if (issue.path.length > 0 && valueAt(src.data, issue.path) === undefined) {
      return [src.problem(issue.path, `missing required key "${String(issue.path.at(-1))}"`)];
    }
    if (issue.code === 'invalid_type' && issue.path.length === 0 && options.rootMessage !== undefined) {
      return [src.problem([], options.rootMessage)];
    }
    if (issue.code === 'invalid_key') {
      return [src.problem(issue.path, issue.issues[0]?.message ?? issue.message, { atKey: true })];
    }
    return [src.problem(issue.path, issue.message)];
  });
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const seg of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[seg];
  }
  return current;
}
