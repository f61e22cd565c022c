import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { RuleSet } from '../../rules/index.ts';
import { type RuleTracks, trackFields } from './rule-fields.ts';
import type { RuleLocation } from './wire.ts';

/** A rule's location, and its track items' fields for the dropped-value warnings. */
export interface LocatedRule extends RuleLocation {
  readonly tracks: RuleTracks;
}

/** Rules by source name, each with the line its `name:` is on. */
export type RuleLines = ReadonlyMap<string, readonly LocatedRule[]>;

/**
 * Finds where each rule of a loaded rule set is written, so the page can say "matched
 * `page view` at rules/app.yaml:12". The rule set was compiled from these files already, so
 * a file that cannot be read or parsed now (edited since) just gives no locations.
 */
export async function ruleLines(ruleSet: RuleSet): Promise<RuleLines> {
  const out = new Map<string, LocatedRule[]>();
  for (const source of ruleSet.sources.values()) {
    const text = await readFile(source.file, 'utf8').catch(() => undefined);
    out.set(source.name, text === undefined ? [] : locateRules(source.file, text));
  }
  return out;
}

/** The rules of one rule file's text with their line and `when:`. */
export function locateRules(file: string, text: string): LocatedRule[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const rules = doc.get('rules', true);
  if (!isSeq(rules)) return [];
  const out: LocatedRule[] = [];
  const data = doc.toJS() as { rules?: ({ track?: unknown } | undefined)[] } | undefined;
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
      tracks: trackFields(data?.rules?.[rules.items.indexOf(rule)]?.track),
    });
  }
  return out;
}
