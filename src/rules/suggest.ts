import type { RuleProblem } from './errors.ts';

/**
 * A typo in a key shows up twice: an unknown key and a missing required one next to it. This
 * merges the two into `unknown key "trak" (did you mean "track"?)`, so one mistake is one problem.
 */
export function suggestKeys(problems: readonly RuleProblem[]): RuleProblem[] {
  const missing = problems.filter((p) => p.message.startsWith('missing required key'));
  const used = new Set<RuleProblem>();
  const out: RuleProblem[] = [];
  for (const p of problems) {
    const unknown = /^unknown key "(.*)"$/.exec(p.message)?.[1];
    if (unknown === undefined) {
      out.push(p);
      continue;
    }
    const parent = parentOf(p.path);
    const match = missing.find(
      (m) => !used.has(m) && parentOf(m.path) === parent && close(lastOf(m.path), unknown),
    );
    if (match) {
      used.add(match);
      out.push({ ...p, message: `${p.message} (did you mean "${lastOf(match.path)}"?)` });
    } else {
      out.push(p);
    }
  }
  return out.filter((p) => !used.has(p));
}

function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut < 0 ? '' : path.slice(0, cut);
}

function lastOf(path: string): string {
  const cut = path.lastIndexOf('.');
  return cut < 0 ? path : path.slice(cut + 1);
}

/** Levenshtein distance of at most 2. */
function close(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return (prev[b.length] ?? 3) <= 2;
}
