/**
 * The load scenario of docs/reliability.md: `taglane serve` driven by autocannon at a steady
 * rate. Prints p50/p99 latency, RSS at start and end, and whether every accepted event reached
 * Matomo exactly once.
 *
 *   npx tsx test/reliability/load.ts [seconds=60] [requests-per-second=200]
 */
import { runLoad } from './support/load-run.ts';

const durationSeconds = Number(process.argv[2] ?? 60);
const rate = Number(process.argv[3] ?? 200);
process.stdout.write(`load: ${rate} req/s for ${durationSeconds} s against taglane serve\n`);
const report = await runLoad({
  durationSeconds,
  rate,
  onSample: (s) => process.stdout.write(`  t=${s.atSeconds}s rss=${s.rssMiB} MiB\n`),
});
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode =
  report.errors === 0 && report.non2xx === 0 && report.lost === 0 && report.duplicated === 0 ? 0 : 1;
