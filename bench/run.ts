/**
 * `npm run bench`: mapping speed, ingest cost, delivery efficiency, `taglane serve` throughput
 * and cost per million events. Not a test: it prints one table and writes bench/results.json.
 * `npm run bench -- --only mapping,cost` runs some parts; the others keep their last results.
 *
 * Knobs (environment): BENCH_ROUNDS, BENCH_ROUND_MS (mapping), BENCH_COLD_RUNS,
 * BENCH_WARM_INVOCATIONS (ingest), BENCH_EVENTS, BENCH_VISITORS, BENCH_DELIVERY_ROUNDS
 * (delivery into the stand-in), BENCH_MATOMO_EVENTS, BENCH_MATOMO_ROUNDS (delivery into the
 * real Matomo at MATOMO_URL with MATOMO_TOKEN, when set), BENCH_SECONDS (serve).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { estimateCost } from './cost-run.ts';
import { measureDelivery } from './delivery.ts';
import { measureIngestCost } from './ingest-cost.ts';
import { measureMapping } from './mapping-run.ts';
import { measureServe } from './serve-load.ts';
import { formatTable, type Parts } from './table.ts';

const PARTS = ['mapping', 'ingest', 'delivery', 'serve', 'cost'] as const;
type Part = (typeof PARTS)[number];
const RESULTS = 'bench/results.json';
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const knob = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

function selectedParts(argv: readonly string[]): Set<Part> {
  const at = argv.indexOf('--only');
  const list = at >= 0 ? (argv[at + 1] ?? '') : (argv.find((a) => a.startsWith('--only='))?.slice(7) ?? '');
  if (list === '') return new Set(PARTS);
  const names = list.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(PARTS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new Error(`--only: unknown part(s) ${unknown.join(', ')}; choose from ${PARTS.join(', ')}`);
  return new Set(names as Part[]);
}

async function previous(): Promise<Mutable<Parts>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(RESULTS, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'parts' in parsed
      ? (parsed as { parts: Parts }).parts
      : {};
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const only = selectedParts(process.argv.slice(2));
  // Lambda tooling that only adds noise on one machine, as `taglane serve` sets it.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const parts = await previous();
  const progress = (line: string): void => {
    process.stderr.write(`bench: ${line}\n`);
  };
  if (only.has('mapping')) {
    progress('mapping');
    parts.mapping = await measureMapping(knob('BENCH_ROUNDS', 21), knob('BENCH_ROUND_MS', 150));
  }
  if (only.has('ingest')) {
    progress('ingest (bundling like the stack, cold starts, warm handler)');
    parts.ingest = await measureIngestCost(knob('BENCH_COLD_RUNS', 15), knob('BENCH_WARM_INVOCATIONS', 2000));
  }
  if (only.has('delivery')) {
    progress('delivery');
    const url = process.env.MATOMO_URL;
    const token = process.env.MATOMO_TOKEN;
    const matomo =
      url && token
        ? { url, token, events: knob('BENCH_MATOMO_EVENTS', 2000), rounds: knob('BENCH_MATOMO_ROUNDS', 3) }
        : undefined;
    if (url && !token) progress('MATOMO_URL without MATOMO_TOKEN: the real Matomo part is skipped');
    parts.delivery = await measureDelivery(
      knob('BENCH_EVENTS', 10_000),
      knob('BENCH_VISITORS', 500),
      knob('BENCH_DELIVERY_ROUNDS', 3),
      matomo,
    );
  }
  if (only.has('serve')) {
    progress('serve (autocannon)');
    parts.serve = await measureServe(knob('BENCH_SECONDS', 30));
  }
  if (only.has('cost')) {
    const ingest = parts.ingest;
    if (ingest === undefined) throw new Error('cost needs ingest timings: run with --only ingest,cost first');
    parts.cost = estimateCost(ingest.warmSingle.p50, ingest.warmBatch100.p50, ingest.requestsPerEvent);
  }
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    ran: [...only],
    parts,
  };
  console.log(formatTable(report.parts, report.machine, report.date));
  await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
}

await main();
