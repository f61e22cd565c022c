import { describe, expect, it } from 'vitest';
import { perTest } from '../support/lifecycle.ts';
import { startMatomoServer } from '../support/matomo-server.ts';
import { killedAfterEach } from '../support/processes.ts';
import { tempDirPerTest } from '../support/temp-dir.ts';
import { countFigures, reportFigures } from './support/figures.ts';
import { MATOMO_TOKEN, pageView, recordedCounts } from './support/pipeline.ts';
import { postEvents, startServeProcess } from './support/serve-process.ts';

const data = tempDirPerTest('taglane-kill-');
const matomo = perTest(
  'the test Matomo',
  () => startMatomoServer({ sites: [1], writeTokens: [MATOMO_TOKEN] }),
  (server) => server.close(),
);
const killLater = killedAfterEach();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

/** Sends events `from`..`from+count-1` in POSTs of 5; returns how many were answered 202. */
async function send(url: string, from: number, count: number): Promise<number> {
  let accepted = 0;
  for (let n = from; n < from + count; n += 5) {
    const events = Array.from({ length: 5 }, (_, i) => pageView(n + i));
    if ((await postEvents(url, events)) === 202) accepted += events.length;
  }
  return accepted;
}

describe('taglane serve stopped while delivering', () => {
  it('SIGTERM: stops accepting, delivers everything queued, exits 0', async () => {
    const serve = killLater(await startServeProcess({ dataDir: data.path, matomoUrl: matomo.current.url }));
    expect(await send(serve.url, 0, 40)).toBe(40);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    reportFigures('sigterm', {
      injected: 'SIGTERM right after 40 events were accepted',
      ...countFigures(recordedCounts(matomo.current, 40)),
    });
    expect(recordedCounts(matomo.current, 40)).toEqual(Array.from({ length: 40 }, () => 1));
  });

  it('SIGKILL mid-batch: after a restart every accepted event is delivered, none twice', async () => {
    const first = killLater(
      await startServeProcess({
        dataDir: data.path,
        matomoUrl: matomo.current.url,
        env: { TAGLANE_MATOMO_TIMEOUT_MS: '5000' },
      }),
    );
    expect(await send(first.url, 0, 10)).toBe(10);
    expect(await until(() => matomo.current.recorded().length === 10, 15_000)).toBe(true);
    // Matomo now holds every bulk open: the batcher is mid-batch when the process dies.
    await matomo.current.outage({ kind: 'hang' });
    const accepted = await send(first.url, 10, 30);
    expect(await until(() => matomo.current.received.some((b) => b.status === 0), 15_000)).toBe(true);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await matomo.current.recover();

    const second = killLater(await startServeProcess({ dataDir: data.path, matomoUrl: matomo.current.url }));
    // The journal in the data directory put the 30 undelivered requests back on the queue: six
    // messages, as each POST of 5 page views is one pack.
    expect(second.output()).toContain('6 message(s) from the last run queued again');
    expect(await send(second.url, 40, 10)).toBe(10);
    expect(await until(() => recordedCounts(matomo.current, 50).every((c) => c >= 1), 15_000)).toBe(true);
    // SIGTERM drains the queue before exiting: every copy that would ever be sent has been sent.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const counts = recordedCounts(matomo.current, 50);
    reportFigures('sigkill', {
      injected: 'SIGKILL while a bulk was in flight (Matomo holding it open), 30 events accepted and queued',
      ...countFigures(counts),
      accepted: accepted + 20,
    });
    expect(accepted).toBe(30);
    expect(counts).toEqual(Array.from({ length: 50 }, () => 1));
    // Visitor ids live in the data directory: the same person keeps their cid after the restart.
    const cidOf = (n: number): string | undefined =>
      matomo.current.recorded().find((r) => r.url === `https://www.example.com/p/${n}`)?.cid;
    expect(cidOf(42)).toBeDefined();
    expect(cidOf(42)).toBe(cidOf(0));
  });
});
