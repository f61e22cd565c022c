import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadRuleSet, type RuleSet } from '../src/rules/index.ts';
import { HANDWRITTEN } from './handwritten.ts';
import type { Ctx, Mapped } from './handwritten-support.ts';

/** One event of the workload and the source it is sent to. */
export interface WorkItem {
  readonly source: string;
  readonly event: unknown;
  readonly ctx: Ctx;
}

/** A way of mapping the workload, timed by the benchmark. */
export interface Variant {
  readonly name: string;
  readonly description: string;
  /** Maps every work item once; returns the number of requests produced (kept, so not optimised away). */
  run(items: readonly WorkItem[]): Promise<number>;
}

const RECEIVED_AT = 1_726_130_000_000;

/**
 * The workload: every example event of the shipped rules that maps without error (the ignored
 * ones included: real webhooks send events nobody tracks), each to its own source, for the
 * sources written out by hand in `handwritten.ts` (app, github, shopify, stripe): a source
 * without a hand-written twin has nothing to be compared with.
 */
export async function loadWorkload(ruleSet: RuleSet): Promise<WorkItem[]> {
  const items: WorkItem[] = [];
  for (const source of ruleSet.sources.values()) {
    if (HANDWRITTEN[source.name] === undefined) continue;
    for (const example of source.examples) {
      if (example.error !== undefined) continue;
      const file = resolve(dirname(source.file), example.given);
      const event: unknown = JSON.parse(await readFile(file, 'utf8'));
      items.push({
        source: source.name,
        event,
        ctx: { eventId: `${source.name}-${items.length}`, receivedAt: RECEIVED_AT },
      });
    }
  }
  return items;
}

/**
 * The same rule files compiled without the engine's fast paths (`optimize: false`): every
 * expression, plain paths included, is evaluated by JSONata. That is the naive interpreter the
 * compiled rules are measured against.
 */
export function loadNaiveRuleSet(dir: string): Promise<RuleSet> {
  return loadRuleSet(dir, { optimize: false });
}

/** The rule engine's variant over a rule set. */
export function ruleVariant(name: string, description: string, ruleSet: RuleSet): Variant {
  return {
    name,
    description,
    async run(items) {
      let produced = 0;
      for (const item of items) {
        const source = ruleSet.sources.get(item.source);
        if (source === undefined) throw new Error(`no source ${item.source}`);
        produced += (await source.map(item.event, item.ctx)).requests.length;
      }
      return produced;
    },
  };
}

/** The hand-written TypeScript variant. Async like the engine, so both pay the same per-call cost. */
export const handwrittenVariant: Variant = {
  name: 'hand-written TypeScript',
  description: 'bench/handwritten*.ts: the shipped rules coded by hand',
  async run(items) {
    let produced = 0;
    for (const item of items) produced += (await mapByHand(item)).requests.length;
    return produced;
  },
};

async function mapByHand(item: WorkItem): Promise<Mapped> {
  const mapping = HANDWRITTEN[item.source];
  if (mapping === undefined) throw new Error(`no hand-written mapping for ${item.source}`);
  return mapping(item.event, item.ctx);
}

/**
 * Fails unless the three variants produce exactly the same requests for every work item, so the
 * timings compare equal work.
 */
export async function assertSameOutput(
  items: readonly WorkItem[],
  compiled: RuleSet,
  naive: RuleSet,
): Promise<void> {
  for (const item of items) {
    const expected = await mapByHand(item);
    for (const [label, ruleSet] of [
      ['compiled', compiled],
      ['naive', naive],
    ] as const) {
      const source = ruleSet.sources.get(item.source);
      const got = await source?.map(item.event, item.ctx);
      if (!isDeepStrictEqual(got, expected)) {
        throw new Error(
          `${label} rules and the hand-written mapping differ for ${item.ctx.eventId}:\n` +
            `rules: ${JSON.stringify(got)}\nhand:  ${JSON.stringify(expected)}`,
        );
      }
    }
  }
}
