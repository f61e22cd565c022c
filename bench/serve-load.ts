import { type LoadReport, runLoad } from '../test/reliability/support/load-run.ts';

/** Item 4: `taglane serve` (the real CLI process) under autocannon. */
export interface ServeThroughput {
  readonly seconds: number;
  readonly connections: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Transport errors, timeouts and non-2xx answers together (must be 0). */
  readonly errors: number;
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  /** Accepted events Matomo did not record, and recorded twice (both must be 0). */
  readonly lost: number;
  readonly duplicated: number;
  readonly drainSeconds: number;
}

/**
 * Drives `taglane serve` with 10 autocannon connections as fast as it answers (the rate cap is
 * far above what one process does) for `seconds`, one page view per POST, then checks every
 * accepted event reached the Matomo-like server once. Reuses the reliability suite's load run,
 * so the two documents measure the same thing.
 */
export async function measureServe(seconds: number): Promise<ServeThroughput> {
  const connections = 10;
  const report: LoadReport = await runLoad({ durationSeconds: seconds, rate: 1_000_000, connections });
  return {
    seconds,
    connections,
    eventsPerSecond: Math.round(report.accepted / seconds),
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
    errors: report.errors + report.non2xx,
    rssStartMiB: report.rssStartMiB,
    rssEndMiB: report.rssEndMiB,
    lost: report.lost,
    duplicated: report.duplicated,
    drainSeconds: Math.round(report.drainSeconds * 10) / 10,
  };
}
