import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMatomoServer } from '../../support/matomo-server.ts';
import { secrets } from './ingest-harness.ts';
import { MATOMO_TOKEN, pageView, recordedCounts } from './pipeline.ts';
import { startServeProcess } from './serve-process.ts';

/** The part of autocannon's API the load run uses (it ships no types). */
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** `context` is per connection; with one request in flight per connection it pairs each answer with its request. */
  setupRequest: (
    request: Record<string, unknown>,
    context: Record<string, unknown>,
  ) => Record<string, unknown>;
  onResponse: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface AutocannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { total: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  overallRate: number;
  duration: number;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Settings of one load run. */
export interface LoadOptions {
  readonly durationSeconds: number;
  /** Requests per second over all connections. */
  readonly rate: number;
  readonly connections?: number;
  /** Extra environment of the serve process, e.g. `NODE_OPTIONS=--max-old-space-size=64`. */
  readonly serveEnv?: Record<string, string>;
  /** Called with RSS samples as they are taken. */
  readonly onSample?: (sample: { atSeconds: number; rssMiB: number }) => void;
}

/** What a load run measured. */
export interface LoadReport {
  readonly durationSeconds: number;
  readonly rate: number;
  readonly sent: number;
  readonly accepted: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  readonly rssSamplesMiB: readonly number[];
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  /** From the end of the load to the last accepted event recorded by Matomo. */
  readonly drainSeconds: number;
  /** Batches the batcher handed back for a retry, as `taglane serve` reported them. */
  readonly retriedBatches: number;
  /** Bulk POSTs Matomo received (answered or not). */
  readonly bulks: number;
}

/**
 * Runs `taglane serve` (the real CLI, a child process) against a Matomo-like server and
 * drives it with autocannon at a steady rate: one page view per request, each with its own
 * id and URL, so every accepted event can be found (or missed) in what Matomo recorded.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'taglane-load-'));
  const matomo = await startMatomoServer({ sites: [1], writeTokens: [MATOMO_TOKEN] });
  const serve = await startServeProcess({
    dataDir,
    matomoUrl: matomo.url,
    args: ['--batch-size', '100'],
    ...(options.serveEnv ? { env: options.serveEnv } : {}),
  });
  const pid = serve.child.pid ?? 0;
  // A serve that dies under load is the failure this run exists to find: say how it died.
  let died: string | undefined;
  void serve.exited.then((code) => {
    died ??= `serve exited with ${code} during the run; its last output:\n${serve.output().slice(-4000)}`;
  });
  const alive = (): void => {
    if (died !== undefined) throw new Error(died);
  };
  try {
    const samples: number[] = [await rssMiB(pid)];
    const started = Date.now();
    const sampler = setInterval(() => {
      if (died !== undefined) return;
      rssMiB(pid).then(
        (mib) => {
          samples.push(mib);
          options.onSample?.({ atSeconds: Math.round((Date.now() - started) / 1000), rssMiB: mib });
        },
        // Gone from /proc: the process exited, which `alive()` reports with its output.
        () => undefined,
      );
    }, 5000);
    let next = 0;
    const accepted = new Set<number>();
    const result = await autocannon({
      url: serve.url,
      connections: options.connections ?? 10,
      overallRate: options.rate,
      duration: options.durationSeconds,
      requests: [
        {
          method: 'POST',
          path: '/events?source=app',
          headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
          setupRequest: (request, context) => {
            const n = next++;
            context.n = n;
            return { ...request, body: JSON.stringify(pageView(n)) };
          },
          onResponse: (status, body, context) => {
            if (status === 202 && typeof context.n === 'number' && body.includes('"accepted":1'))
              accepted.add(context.n);
          },
        },
      ],
    });
    clearInterval(sampler);
    const loadEnded = Date.now();
    const all = (): number => recordedCounts(matomo, next).filter((c, n) => c > 0 && accepted.has(n)).length;
    while (all() < accepted.size && Date.now() - loadEnded < 60_000 && died === undefined) await sleep(100);
    alive();
    const drainSeconds = (Date.now() - loadEnded) / 1000;
    samples.push(await rssMiB(pid));
    const counts = recordedCounts(matomo, next);
    const delivered = [...accepted].filter((n) => (counts[n] ?? 0) >= 1).length;
    return {
      durationSeconds: options.durationSeconds,
      rate: options.rate,
      sent: result.requests.total,
      accepted: accepted.size,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      rssStartMiB: samples[0] ?? 0,
      rssEndMiB: samples[samples.length - 1] ?? 0,
      rssSamplesMiB: samples,
      delivered,
      lost: accepted.size - delivered,
      duplicated: counts.filter((c) => c > 1).length,
      drainSeconds,
      retriedBatches: (serve.output().match(/will be retried|retrying later/g) ?? []).length,
      bulks: matomo.received.length,
    };
  } finally {
    serve.child.kill('SIGKILL');
    await serve.exited;
    await matomo.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Resident set size of a process in MiB, from /proc (Linux). */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
