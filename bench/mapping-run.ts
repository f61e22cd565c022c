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
import { median, pairedRatio, round } from './stats.ts';

/** Item 1: events per second of each mapping variant and the ratios measured in the same run. */
export interface MappingResult {
  readonly events: number;
  readonly sources: readonly string[];
  readonly rounds: number;
  readonly roundMs: number;
  readonly variants: readonly {
    variant: string;
    description: string;
    eventsPerSecond: number;
    samples: number[];
  }[];
  readonly compiledVsHandwritten: number;
  readonly compiledVsNaive: number;
}

/**
 * Times the compiled shipped rules, the hand-written TypeScript and naive JSONata over the
 * shipped examples, after checking all three produce exactly the same requests.
 */
export async function measureMapping(rounds: number, roundMs: number): Promise<MappingResult> {
  const compiled = await loadRuleSet('rules');
  const naive = await loadNaiveRuleSet('rules');
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
  for (const variant of variants) passes.set(variant.name, await calibrate(variant, items, roundMs));
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  // Interleave the variants round by round so drift (a busy neighbour) hits all alike, and
  // rotate their order so no variant always pays the garbage the one before it left.
  for (let r = 0; r < rounds; r += 1) {
    for (let i = 0; i < variants.length; i += 1) {
      const variant = variants[(i + r) % variants.length];
      if (variant === undefined) continue;
      samples.get(variant.name)?.push(await eventsPerSecond(variant, items, passes.get(variant.name) ?? 1));
    }
  }
  const of = (name: string): number[] => samples.get(name) ?? [];
  const [rules, hand, plain] = variants.map((v) => of(v.name));
  return {
    events: items.length,
    sources: [...new Set(items.map((i) => i.source))],
    rounds,
    roundMs,
    variants: variants.map((v) => ({
      variant: v.name,
      description: v.description,
      eventsPerSecond: Math.round(median(of(v.name))),
      samples: of(v.name).map(Math.round),
    })),
    compiledVsHandwritten: round(pairedRatio(rules ?? [], hand ?? [])),
    compiledVsNaive: round(pairedRatio(rules ?? [], plain ?? [])),
  };
}

/** Passes over the workload that take the variant about `roundMs` (after a warm-up). */
async function calibrate(variant: Variant, items: readonly WorkItem[], roundMs: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < 20; i += 1) await variant.run(items);
  const perPass = (performance.now() - start) / 20;
  return Math.max(1, Math.round(roundMs / Math.max(perPass, 0.001)));
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
