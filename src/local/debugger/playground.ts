import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { isMap, isNode, isSeq, parseDocument, stringify } from 'yaml';
import {
  type CompiledSource,
  // The fixed receive time `taglane test` runs examples with, so a saved example stays true.
  EXAMPLE_RECEIVED_AT,
  RuleEvaluationError,
  type RuleSet,
} from '../../rules/index.ts';
import type { PlaygroundAnswer } from './wire.ts';

/** A playground request the page cannot be answered for (no such source, bad name). */
export class PlaygroundInputError extends Error {
  override readonly name = 'PlaygroundInputError';
  readonly status: number;

  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

/** An example's file name: letters, digits, `-` and `_`, as the shipped examples are named. */
const EXAMPLE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Maps an event given as JSON text with a source's rules, as ingest would, without queuing
 * anything: the playground's answer to each keystroke.
 */
export async function previewEvent(
  ruleSet: RuleSet,
  input: { source: string; text: string },
  receivedAt = Date.now(),
): Promise<PlaygroundAnswer> {
  const source = sourceOf(ruleSet, input.source);
  let event: unknown;
  try {
    event = JSON.parse(input.text);
  } catch (error) {
    return { ok: false, problem: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    const eventId = (await source.eventId(event)) ?? 'playground';
    const result = await source.map(event, { eventId, receivedAt });
    return {
      ok: true,
      eventId,
      matched: result.matched,
      requests: result.requests.map((r) => ({
        rule: r.rule,
        params: r.params,
        ...(r.warnings ? { warnings: r.warnings } : {}),
      })),
    };
  } catch (error) {
    if (!(error instanceof RuleEvaluationError)) throw error;
    return { ok: false, problem: error.message, rule: error.rule, field: error.field };
  }
}

/** The first example event of a source, to start the playground with; `{}` without one. */
export async function sampleEvent(ruleSet: RuleSet, sourceName: string): Promise<string> {
  const source = sourceOf(ruleSet, sourceName);
  const [example] = source.examples;
  if (!example) return '{}';
  return readFile(resolve(dirname(source.file), example.given), 'utf8').catch(() => '{}');
}

/**
 * Saves an event as an example of every rule it matches: the JSON under
 * `examples/<source>/<name>.json` beside the rule file, and an `examples:` entry with the
 * requests it produces now as `expect`, so `taglane test` keeps them true. The rule file is
 * edited through the YAML document, so its comments stay.
 */
export async function saveExample(
  ruleSet: RuleSet,
  input: { source: string; name: string; text: string },
): Promise<{ file: string; rules: readonly string[] }> {
  if (!EXAMPLE_NAME.test(input.name)) {
    throw new PlaygroundInputError('the example name may hold a-z, 0-9, - and _ (at most 64)');
  }
  const source = sourceOf(ruleSet, input.source);
  const answer = await previewEvent(ruleSet, input, EXAMPLE_RECEIVED_AT);
  if (!answer.ok) throw new PlaygroundInputError(`the event does not map: ${answer.problem}`, 422);
  if (answer.matched.length === 0)
    throw new PlaygroundInputError('no rule matches this event: an example belongs to a rule', 422);
  const given = `examples/${source.name}/${input.name}.json`;
  const file = join(dirname(source.file), given);
  if (await exists(file))
    throw new PlaygroundInputError(`${relative(process.cwd(), file)} exists already`, 409);
  const text = await readFile(source.file, 'utf8');
  const expects = new Map(
    answer.matched.map((name) => [name, answer.requests.filter((r) => r.rule === name).map((r) => r.params)]),
  );
  const edited = withExamples(text, given, expects);
  if (edited === undefined)
    throw new PlaygroundInputError(`${source.file} has no rules list to add the example to`, 409);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(JSON.parse(input.text), null, 2)}\n`, { flag: 'wx' });
  await writeFile(source.file, edited);
  return { file: relative(process.cwd(), file), rules: answer.matched };
}

/**
 * The rule file's text with an `examples:` entry added to each named rule. Inserted as text at
 * the end of the rule's examples (or of the rule), so the rest of the file stays as written:
 * re-serialising the document would reformat every flow mapping in it.
 */
export function withExamples(
  text: string,
  given: string,
  expects: ReadonlyMap<string, readonly Readonly<Record<string, string>>[]>,
): string | undefined {
  const doc = parseDocument(text);
  const rules = doc.get('rules', true);
  if (!isSeq(rules)) return undefined;
  const inserts: { at: number; text: string }[] = [];
  for (const rule of rules.items) {
    if (!isMap(rule) || !rule.range) continue;
    const name = rule.get('name');
    const expect = typeof name === 'string' ? expects.get(name) : undefined;
    if (!expect) continue;
    const entry = stringify([{ given, expect }], { lineWidth: 0 });
    const examples = rule.get('examples', true);
    const last = isSeq(examples) ? examples.items[examples.items.length - 1] : undefined;
    if (isSeq(examples) && examples.range && last && isNode(last) && last.range) {
      inserts.push({
        at: lineEnd(text, last.range[1]),
        text: indent(entry, columnOf(text, examples.range[0])),
      });
    } else {
      const column = columnOf(text, rule.range[0]);
      inserts.push({
        at: lineEnd(text, rule.range[1]),
        text: indent(`examples:\n${indent(entry, 2)}`, column),
      });
    }
  }
  let out = text.endsWith('\n') ? text : `${text}\n`;
  for (const insert of inserts.sort((a, b) => b.at - a.at))
    out = out.slice(0, insert.at) + insert.text + out.slice(insert.at);
  return out;
}

/** The offset just after the line holding `offset` (its newline included). */
function lineEnd(text: string, offset: number): number {
  const before = text.lastIndexOf('\n', Math.max(0, offset - 1));
  // A node's range ends after its last line's newline already when it is a block.
  if (before === offset - 1) return offset;
  const next = text.indexOf('\n', offset);
  return next < 0 ? text.length + 1 : next + 1;
}

function columnOf(text: string, offset: number): number {
  return offset - text.lastIndexOf('\n', offset - 1) - 1;
}

function indent(block: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return block
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

function sourceOf(ruleSet: RuleSet, name: string): CompiledSource {
  const source = ruleSet.sources.get(name);
  if (!source) {
    const known = [...ruleSet.sources.keys()].sort().join(', ') || 'none';
    throw new PlaygroundInputError(`no source "${name}" (sources: ${known})`, 404);
  }
  return source;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
