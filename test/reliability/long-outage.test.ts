import { afterEach, describe, expect, it } from 'vitest';
import { countFigures, reportFigures, secondsSince } from './support/figures.ts';
import { type Pipeline, pageView, recordedCounts, startPipeline } from './support/pipeline.ts';

// The mechanism of test/reliability/long-outage.ts (ten minutes under the local defaults) with
// the delays scaled down: a 1 s visibility timeout doubling up to 8 s, a redrive safety net of
// 20 receives. Before retries grew, 20 receives 1 s apart dead-lettered everything queued
// when an outage lasted longer than 20 s. (local-aws-sqs counts each ChangeMessageVisibility
// as a receive towards the redrive, so 20 there are 10 real receives.)
const scaled = {
  maxReceiveCount: 20,
  env: { TAGLANE_RETRY_BASE_SECONDS: '1', TAGLANE_RETRY_MAX_SECONDS: '8' },
};

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts one page view every 250 ms from number `from` until `done()` or `max` posts. */
async function postUntil(
  p: Pipeline,
  from: number,
  max: number,
  done: () => Promise<boolean>,
): Promise<number> {
  let n = from;
  while (n < from + max && !(await done())) {
    expect(await p.post([pageView(n)])).toBe(202);
    n += 1;
    await sleep(250);
  }
  return n - from;
}

describe('Matomo down for longer than maxReceiveCount × the visibility timeout', () => {
  it('retries with growing delays and records every request once after recovery, none dead-lettered', async () => {
    const p = await startPipeline(scaled);
    pipeline = p;
    await p.matomo.outage({ kind: 'refuse' });
    const outageStarted = Date.now();
    // 30 s of outage with a page view every 250 ms: the first ones see 7 receives.
    const sent = await postUntil(p, 0, 1000, async () => Date.now() - outageStarted > 30_000);
    const failedBatches = p.batches.filter((b) => b.failed > 0).length;
    await p.matomo.recover();
    const recoveredAt = Date.now();
    expect(await p.drain(30_000)).toBe(0);
    const counts = recordedCounts(p.matomo, sent);
    const letters = await p.deadLetters();
    reportFigures('long-outage-scaled', {
      injected: 'connections refused for 30 s (scaled: 1 s doubling to 8 s, maxReceiveCount 20)',
      ...countFigures(counts),
      recoverSeconds: secondsSince(recoveredAt),
      deadLettered: letters.length,
      failedBatches,
    });
    expect(letters).toEqual([]);
    expect(counts).toEqual(Array.from({ length: sent }, () => 1));
  }, 90_000);
});

describe('Matomo answers 500 to 60 % of the bulks at random', () => {
  it('records every page view once and dead-letters only the real poison, with its reason', async () => {
    const p = await startPipeline({ ...scaled, matomo: { crashPlugin: false } });
    pipeline = p;
    await p.matomo.outage({ kind: 'flaky', rate: 0.6, seed: 7 });
    const at = Math.floor(Date.now() / 1000) - 60;
    const crash = {
      id: 'evt_flaky_crash',
      type: 'error',
      timestamp: at,
      userId: 'user_crash',
      properties: { message: 'boom', type: 'TypeError' },
    };
    const views = Array.from({ length: 40 }, (_, n) => pageView(n, at));
    expect(await p.post([...views.slice(0, 20), crash, ...views.slice(20)])).toBe(202);
    // Traffic goes on, so Matomo keeps showing that it works while the crash keeps failing alone.
    const more = await postUntil(p, 40, 400, async () => (await p.deadLetterCount()) > 0);
    expect(await p.drain(60_000)).toBe(0);
    const letters = await p.deadLetters();
    const counts = recordedCounts(p.matomo, 40 + more);
    reportFigures('flaky-500-scaled', {
      injected: 'HTTP 500 + rollback for 60 % of bulks (seeded), one ca=1 crash among the page views',
      ...countFigures(counts),
      deadLettered: letters.length,
      bulks: p.matomo.received.length,
      bulks500: p.matomo.received.filter((b) => b.status === 500).length,
    });
    expect(counts).toEqual(Array.from({ length: 40 + more }, () => 1));
    expect(letters).toHaveLength(1);
    const letter = JSON.parse(letters[0]?.Body ?? '{}') as { reason: string; detail: string; body: string };
    expect(letter.reason).toBe('rejected');
    expect(letter.detail).toMatch(/alone .* on 5 receives/);
    expect(JSON.parse(letter.body)).toMatchObject({ rule: 'error' });
  }, 120_000);
});
