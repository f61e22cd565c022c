/**
 * `npm run bench`: events per second of the compiled shipped rules against the same mappings
 * hand-written in TypeScript and against naive JSONata evaluation of every expression. Not a
 * test: it prints a table and writes bench/results.json.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRuleSet } from '../src/rules/index.ts';
import {
  assertSameOutput,
  handwrittenVariant,
  loadNaiveRuleSet,
  loadWorkload,
  ruleVariant,
  type Variant,
  type WorkItem,
} from './mapping.ts';

const RULES_DIR = 'rules';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 150);

interface Result {
  readonly variant: string;
  readonly description: string;
  readonly eventsPerSecond: number;
  readonly samples: number[];
}

async function main(): Promise<void> {
  const compiled = await loadRuleSet(RULES_DIR);
  const naive = await loadNaiveRuleSet(RULES_DIR);
  const items = await loadWorkload(compiled);
  await assertSameOutput(items, compiled, naive);

  const variants: Variant[] = [
    ruleVariant('compiled rules', 'rules/*.yaml compiled once by the engine (fast paths on)', compiled),
    handwrittenVariant,
    ruleVariant(
      'naive JSONata',
      'same rules compiled with optimize: false: every expression run by JSONata',
      naive,
    ),
  ];
  const passes = new Map<string, number>();
  for (const variant of variants) passes.set(variant.name, await calibrate(variant, items));
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  // Interleave the variants round by round so drift (a busy neighbour) hits all alike, and
  // rotate their order so no variant always pays the garbage the one before it left.
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const variant of order) {
      if (variant === undefined) continue;
      const rate = await eventsPerSecond(variant, items, passes.get(variant.name) ?? 1);
      samples.get(variant.name)?.push(rate);
    }
  }
  const results: Result[] = variants.map((v) => {
    const s = samples.get(v.name) ?? [];
    return {
      variant: v.name,
      description: v.description,
      eventsPerSecond: median(s),
      samples: s.map(Math.round),
    };
  });
  const [rules, hand, naiveResult] = results;
  if (!rules || !hand || !naiveResult) throw new Error('missing results');
  // Ratios are the median of per-round ratios: the variants of one round ran back to back, so a
  // busy neighbour slows them alike, which a ratio of medians would not cancel.
  const ratios = {
    compiledVsHandwritten: round2(pairedRatio(rules.samples, hand.samples)),
    compiledVsNaive: round2(pairedRatio(rules.samples, naiveResult.samples)),
  };
  printTable(results, ratios, items.length);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    workload: {
      events: items.length,
      sources: [...new Set(items.map((i) => i.source))],
    },
    rounds: ROUNDS,
    results: results.map((r) => ({
      ...r,
      eventsPerSecond: Math.round(r.eventsPerSecond),
      passesPerSample: passes.get(r.variant),
    })),
    ratios,
  };
  await writeFile(join('bench', 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
}

/** Passes over the workload that take the variant about ROUND_MS (after a warm-up). */
async function calibrate(variant: Variant, items: readonly WorkItem[]): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < 20; i += 1) await variant.run(items);
  const perPass = (performance.now() - start) / 20;
  return Math.max(1, Math.round(ROUND_MS / Math.max(perPass, 0.001)));
}

async function eventsPerSecond(
  variant: Variant,
  items: readonly WorkItem[],
  passes: number,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < passes; i += 1) await variant.run(items);
  return (items.length * passes) / ((performance.now() - start) / 1000);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, i) => value / (b[i] ?? Number.NaN)).filter(Number.isFinite));
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function printTable(results: readonly Result[], ratios: Record<string, number>, events: number): void {
  const rows = results.map((r) => [r.variant, Math.round(r.eventsPerSecond).toLocaleString('en-US')]);
  const width = Math.max(...rows.map(([name]) => (name ?? '').length));
  console.log(
    `mapping benchmark: ${events} shipped example events, ~${ROUND_MS} ms samples, median of ${ROUNDS} rounds`,
  );
  console.log(`${'variant'.padEnd(width)}  events/s`);
  for (const [name, rate] of rows) console.log(`${(name ?? '').padEnd(width)}  ${(rate ?? '').padStart(8)}`);
  console.log(
    `compiled / hand-written: ${ratios.compiledVsHandwritten}  (median of per-round ratios; goal: >= 0.5)`,
  );
  console.log(`compiled / naive JSONata: ${ratios.compiledVsNaive}`);
  console.log('wrote bench/results.json');
}

await main();
