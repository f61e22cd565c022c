/**
 * The load scenario of docs/reliability.md: `taglane serve` driven by autocannon at a steady
 * rate. Prints p50/p99 latency, RSS at start and end, and whether every accepted event reached
 * Matomo exactly once.
 *
 *   npx tsx test/reliability/load.ts [seconds=60] [requests-per-second=200] [heap-limit-MiB]
 */
import { runLoad } from './support/load-run.ts';

const durationSeconds = Number(process.argv[2] ?? 60);
const rate = Number(process.argv[3] ?? 200);
process.stdout.write(`load: ${rate} req/s for ${durationSeconds} s against taglane serve\n`);
const heapMiB = process.argv[4];
const report = await runLoad({
  durationSeconds,
  rate,
  // A third argument caps the serve process's V8 heap: a leak then ends in an out-of-memory exit.
  ...(heapMiB ? { serveEnv: { NODE_OPTIONS: `--max-old-space-size=${heapMiB}` } } : {}),
  onSample: (s) => process.stdout.write(`  t=${s.atSeconds}s rss=${s.rssMiB} MiB\n`),
});
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode =
  report.errors === 0 && report.non2xx === 0 && report.lost === 0 && report.duplicated === 0 ? 0 : 1;
