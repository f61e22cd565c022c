import { afterEach, describe, expect, it } from 'vitest';
import type { Outage } from '../support/matomo-server.ts';
import { countFigures, reportFigures, secondsSince } from './support/figures.ts';
import { type Pipeline, pageView, recordedCounts, startPipeline } from './support/pipeline.ts';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts `count` page views numbered from `from`, `perPost` per request; returns the statuses. */
async function sendRange(p: Pipeline, from: number, count: number, perPost = 5): Promise<number[]> {
  const statuses: number[] = [];
  for (let n = from; n < from + count; n += perPost) {
    const events = Array.from({ length: Math.min(perPost, from + count - n) }, (_, i) => pageView(n + i));
    statuses.push(await p.post(events));
  }
  return statuses;
}

describe.each<[string, Outage]>([
  ['refuses connections', { kind: 'refuse' }],
  ['answers 503', { kind: 'status', status: 503 }],
  ['hangs past the timeout', { kind: 'hang' }],
])('Matomo %s for a while as events keep arriving', (_label, outage) => {
  it('records every accepted event exactly once after recovery', async () => {
    const p = await startPipeline();
    pipeline = p;
    const before = await sendRange(p, 0, 20);
    await p.drain(10_000);
    await p.matomo.outage(outage);
    const during: number[] = [];
    for (let wave = 0; wave < 4; wave += 1) {
      during.push(...(await sendRange(p, 20 + wave * 10, 10)));
      await sleep(250);
    }
    const failedBatches = p.batches.filter((b) => b.failed > 0 || b.error !== undefined).length;
    await p.matomo.recover();
    const recoveredAt = Date.now();
    const left = await p.drain(20_000);
    const counts = recordedCounts(p.matomo, 60);
    reportFigures(`matomo-${outage.kind === 'status' ? outage.status : outage.kind}`, {
      injected: `${_label} for ~1.5 s while 40 of 60 events arrived`,
      ...countFigures(counts),
      recoverSeconds: secondsSince(recoveredAt),
      failedBatches,
    });
    expect([...before, ...during].every((s) => s === 202)).toBe(true);
    expect(left).toBe(0);
    expect(failedBatches).toBeGreaterThan(0);
    expect(counts).toEqual(Array.from({ length: 60 }, () => 1));
    expect(await p.deadLetters()).toEqual([]);
  });
});

describe('Matomo answers 500 for every bulk that holds a crash request', () => {
  it('delivers every other request and dead-letters each crash with its reason', async () => {
    const p = await startPipeline({ matomo: { crashPlugin: false } });
    pipeline = p;
    const at = Math.floor(Date.now() / 1000) - 60;
    const crashes = [3, 11, 17].map((n) => ({
      id: `evt_crash_${n}`,
      type: 'error',
      timestamp: at,
      userId: `user_${n}`,
      properties: { message: `boom ${n}`, type: 'TypeError' },
    }));
    const views = Array.from({ length: 20 }, (_, n) => pageView(n, at));
    expect(await p.post([...views.slice(0, 10), ...crashes, ...views.slice(10)])).toBe(202);
    // A crash is poison once it failed alone on 5 receives while Matomo accepted other
    // traffic, so page views keep coming until the three are dead-lettered.
    for (let n = 20; n < 400 && (await p.deadLetterCount()) < 3; n += 1) {
      expect(await p.post([pageView(n)])).toBe(202);
      await sleep(250);
    }
    expect(await p.drain(20_000)).toBe(0);
    const letters = await p.deadLetters();
    expect(p.matomo.received.some((bulk) => bulk.status === 500)).toBe(true);
    expect(recordedCounts(p.matomo, 20)).toEqual(Array.from({ length: 20 }, () => 1));
    reportFigures('matomo-500-crash', {
      injected: 'HTTP 500 + rollback for every bulk holding a crash request (3 crashes among 20 page views)',
      ...countFigures(recordedCounts(p.matomo, 20)),
      deadLettered: letters.length,
      bulks: p.matomo.received.length,
    });
    expect(letters).toHaveLength(3);
    for (const letter of letters) {
      const body = JSON.parse(letter.Body ?? '{}') as { reason: string; detail: string; body: string };
      expect(body.reason).toBe('rejected');
      expect(body.detail).not.toBe('');
      expect(JSON.parse(body.body)).toMatchObject({ rule: 'error' });
    }
  }, 60_000);
});

describe('Matomo answers 413 above a body size', () => {
  it('shrinks the chunks until everything is delivered', async () => {
    // One delivery lane: four lanes share a batch of 10, so their bulks could all stay under the
    // limit and no 413 be provoked (flaky under load).
    const p = await startPipeline({ matomo: { maxBodyBytes: 600 }, env: { TAGLANE_DELIVERY_LANES: '1' } });
    pipeline = p;
    expect(await sendRange(p, 0, 60, 20)).toEqual([202, 202, 202]);
    expect(await p.drain(20_000)).toBe(0);
    expect(p.matomo.received.some((bulk) => bulk.status === 413)).toBe(true);
    reportFigures('matomo-413', {
      injected: 'HTTP 413 for bulk bodies over 600 bytes',
      ...countFigures(recordedCounts(p.matomo, 60)),
      bulks413: p.matomo.received.filter((b) => b.status === 413).length,
      bulks200: p.matomo.received.filter((b) => b.status === 200).length,
    });
    expect(recordedCounts(p.matomo, 60)).toEqual(Array.from({ length: 60 }, () => 1));
    expect(await p.deadLetters()).toEqual([]);
  });
});
