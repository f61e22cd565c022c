import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { QueuedRequest } from '../tracking/queued-request.ts';
import { describeValue, RuleEvaluationError } from './errors.ts';
import { resolveExampleFile } from './example-path.ts';
import type { CompiledSource, RuleExample, RuleSet } from './types.ts';

/** The outcome of one rule example. */
export interface ExampleResult {
  readonly source: string;
  /** The rule file and the example's position in it. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly index: number;
  readonly given: string;
  readonly ok: boolean;
  /** Readable lines explaining a failure; empty when `ok`. */
  readonly diff: readonly string[];
}

/**
 * Fixed time for examples so their output does not depend on when they run. Later than any
 * example event written today (a time after it is refused as "in the future"), and within 20
 * years of the shipped examples' 2024 events.
 */
export const EXAMPLE_RECEIVED_AT = Date.UTC(2030, 0, 1);

/**
 * Runs every `examples:` entry of every rule: reads the given event (relative to the rule file,
 * the rule file being relative to `baseDir`), maps it, and compares the requests the example's
 * rule produced with `expect` (in order, subset match of parameters; `null` means absent) or
 * the thrown error with `error`.
 */
export async function runExamples(ruleSet: RuleSet, baseDir = process.cwd()): Promise<ExampleResult[]> {
  const results: ExampleResult[] = [];
  for (const source of ruleSet.sources.values()) {
    for (const example of source.examples) {
      const diff = await runExample(source, example, baseDir);
      results.push({
        source: source.name,
        file: source.file,
        line: example.line,
        column: example.column,
        rule: example.rule,
        index: example.index,
        given: example.given,
        ok: diff.length === 0,
        diff,
      });
    }
  }
  return results;
}

async function runExample(source: CompiledSource, example: RuleExample, baseDir: string): Promise<string[]> {
  let event: unknown;
  try {
    const path = await resolveExampleFile(resolve(baseDir, dirname(source.file)), example.given);
    event = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    return [`cannot read event ${example.given}: ${e instanceof Error ? e.message : String(e)}`];
  }
  let requests: QueuedRequest[];
  try {
    const eventId = (await source.eventId(event)) ?? `example:${example.given}`;
    requests = (await source.map(event, { eventId, receivedAt: EXAMPLE_RECEIVED_AT })).requests;
  } catch (e) {
    if (!(e instanceof RuleEvaluationError)) throw e;
    if (example.error !== undefined && e.message.includes(example.error)) return [];
    return example.error === undefined
      ? [`unexpected error: ${e.message}`]
      : [`expected an error containing ${JSON.stringify(example.error)}`, `  got: ${e.message}`];
  }
  if (example.error !== undefined) {
    return [
      `expected an error containing ${JSON.stringify(example.error)}, but the event mapped without error`,
    ];
  }
  const own = requests.filter((r) => r.rule === example.rule);
  return compareRequests(example.expect ?? [], own);
}

/** Subset comparison of expected parameters against produced requests, as readable lines. */
export function compareRequests(
  expected: readonly Readonly<Record<string, string | number | boolean | null>>[],
  actual: readonly QueuedRequest[],
): string[] {
  const lines: string[] = [];
  if (expected.length !== actual.length) {
    lines.push(`expected ${expected.length} request(s), got ${actual.length}`);
  }
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const want = expected[i];
    const got = actual[i]?.params;
    if (!want || !got) {
      if (got) lines.push(`  + request ${i}: ${describeValue(got)}`);
      if (want) lines.push(`  - request ${i}: ${describeValue(want)}`);
      continue;
    }
    for (const [name, value] of Object.entries(want)) {
      const actualValue = got[name];
      if (value === null) {
        if (actualValue !== undefined)
          lines.push(`  request ${i} ${name}: expected absent, got ${JSON.stringify(actualValue)}`);
      } else if (actualValue !== String(value)) {
        const shown = actualValue === undefined ? 'absent' : JSON.stringify(actualValue);
        lines.push(`  request ${i} ${name}: expected ${JSON.stringify(String(value))}, got ${shown}`);
      }
    }
  }
  return lines;
}
