import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { RuleSet } from '../../rules/index.ts';
import type { RuleLocation } from './wire.ts';

/** Rules by source name, each with the line its `name:` is on. */
export type RuleLines = ReadonlyMap<string, readonly RuleLocation[]>;

/**
 * Finds where each rule of a loaded rule set is written, so the page can say "matched
 * `page view` at rules/app.yaml:12". The rule set was compiled from these files already, so
 * a file that cannot be read or parsed now (edited since) just gives no locations.
 */
export async function ruleLines(ruleSet: RuleSet): Promise<RuleLines> {
  const out = new Map<string, RuleLocation[]>();
  for (const source of ruleSet.sources.values()) {
    const text = await readFile(source.file, 'utf8').catch(() => undefined);
    out.set(source.name, text === undefined ? [] : locateRules(source.file, text));
  }
  return out;
}

/** The rules of one rule file's text with their line and `when:`. */
export function locateRules(file: string, text: string): RuleLocation[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const rules = doc.get('rules', true);
  if (!isSeq(rules)) return [];
  const out: RuleLocation[] = [];
  for (const rule of rules.items) {
    if (!isMap(rule)) continue;
    const name = rule.get('name', true);
    const when = rule.get('when', true);
    if (!isScalar(name) || !name.range) continue;
    const line = lineCounter.linePos(name.range[0]).line;
    out.push({
      name: String(name.value),
      file,
      line,
      ...(isScalar(when) ? { when: String(when.value) } : {}),
    });
  }
  return out;
}
