import { afterEach, describe, expect, it } from 'vitest';
import { DYNAMODB_THROTTLED, failSomeEntries, operationOf } from './support/fault-proxy.ts';
import { countFigures, reportFigures, secondsSince } from './support/figures.ts';
import { type Pipeline, pageView, recordedCounts, startPipeline } from './support/pipeline.ts';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ones = (n: number): number[] => Array.from({ length: n }, () => 1);

/**
 * A page view whose request is too big (a 40 kB title) to share a 64 KiB SQS message with
 * another: a POST of these is one SendMessageBatch entry per event, as before packs.
 */
function alonePageView(n: number): Record<string, unknown> {
  const view = pageView(n);
  return {
    ...view,
    properties: { url: `https://www.example.com/p/${n}`, title: `Page ${n} ${'x'.repeat(40_000)}` },
  };
}

describe('DynamoDB throttles the batcher (ProvisionedThroughputExceededException)', () => {
  it('retries until the throttling stops, then records every event exactly once', async () => {
    const p = await startPipeline();
    pipeline = p;
    let throttled = 0;
    p.dynamoProxy.setRule(() => {
      throttled += 1;
      return { answer: DYNAMODB_THROTTLED };
    });
    const statuses: number[] = [];
    for (let n = 0; n < 40; n += 4) {
      statuses.push(await p.post([0, 1, 2, 3].map((i) => pageView(n + i))));
      await sleep(100);
    }
    await sleep(1500);
    expect(p.matomo.recorded()).toEqual([]);
    p.dynamoProxy.setRule(undefined);
    const liftedAt = Date.now();
    expect(await p.drain(20_000)).toBe(0);
    reportFigures('dynamodb-throttling', {
      injected: 'ProvisionedThroughputExceededException on every DynamoDB call for ~2.5 s',
      ...countFigures(recordedCounts(p.matomo, 40)),
      recoverSeconds: secondsSince(liftedAt),
      throttledCalls: throttled,
      status202: statuses.filter((s) => s === 202).length,
    });
    expect(statuses.every((s) => s === 202)).toBe(true);
    // Throttled calls were retried (by the SDK's backoff or by SQS redelivering the batch).
    expect(throttled).toBeGreaterThan(1);
    expect(recordedCounts(p.matomo, 40)).toEqual(ones(40));
    expect(await p.deadLetters()).toEqual([]);
  });
});

describe('SQS SendMessageBatch fails some entries', () => {
  it('retries the failed entries and answers 202 only once every entry is queued', async () => {
    const p = await startPipeline();
    pipeline = p;
    let injected = 0;
    // Every 3rd entry of a call with 4 or more entries fails: a POST of 10 needs two retries.
    const failEvery3rd = failSomeEntries((i) => i % 3 === 0);
    p.sqsProxy.setRule((request) => {
      if (operationOf(request) !== 'SendMessageBatch') return undefined;
      const entries = (JSON.parse(request.body.toString('utf8')) as { Entries: unknown[] }).Entries.length;
      if (entries < 4) return undefined;
      injected += 1;
      return failEvery3rd(request);
    });
    const posts = Array.from({ length: 12 }, (_, k) =>
      Array.from({ length: 10 }, (_, i) => alonePageView(k * 10 + i)),
    );
    const statuses = await Promise.all(posts.map((events) => p.post(events)));
    p.sqsProxy.setRule(undefined);
    expect(await p.drain(20_000)).toBe(0);
    const counts = recordedCounts(p.matomo, 120);
    reportFigures('sqs-partial-failure', {
      injected:
        'SendMessageBatch: every 3rd entry Failed (really not queued) in each call of 4+ entries; 12 POSTs of 10 at once',
      ...countFigures(counts),
      injectedCalls: injected,
      answered202: statuses.filter((s) => s === 202).length,
    });
    expect(injected).toBeGreaterThanOrEqual(12);
    expect(statuses).toEqual(posts.map(() => 202));
    expect(counts).toEqual(ones(120));
  });

  it('answers 503 while entries stay unqueued, and records them once after the sender retries', async () => {
    const p = await startPipeline();
    pipeline = p;
    // Each call's first and fourth entries fail, retries included: some entries of a POST are
    // queued, others never are, so the POST must be answered 503.
    p.sqsProxy.setRule(failSomeEntries((i) => i % 3 === 0));
    const events = Array.from({ length: 5 }, (_, i) => alonePageView(i));
    expect(await p.post(events)).toBe(503);
    p.sqsProxy.setRule(undefined);
    await p.drain(10_000);
    const beforeRetry = recordedCounts(p.matomo, 5);
    expect(await p.post(events)).toBe(202);
    expect(await p.drain(10_000)).toBe(0);
    const counts = recordedCounts(p.matomo, 5);
    reportFigures('sqs-entries-unqueued', {
      injected:
        'SendMessageBatch: entries at index 0 and 3 of every call Failed, retries included; sender retries the 503',
      ...countFigures(counts),
      queuedDespite503: beforeRetry.filter((c) => c > 0).length,
    });
    // Part of the POST was queued and delivered before the 503; the retry adds only the rest.
    expect(beforeRetry.some((c) => c > 0)).toBe(true);
    expect(counts).toEqual(ones(5));
  });
});

describe("SQS's message character rules", () => {
  it('queues titles holding U+FFFE/U+FFFF as bodies SQS accepts, and Matomo gets the same text', async () => {
    const p = await startPipeline();
    pipeline = p;
    const bodies: string[] = [];
    p.sqsProxy.setRule((request) => {
      if (operationOf(request) === 'SendMessageBatch') {
        const input = JSON.parse(request.body.toString('utf8')) as { Entries: { MessageBody: string }[] };
        bodies.push(...input.Entries.map((e) => e.MessageBody));
      }
      return undefined;
    });
    const titles = ['a\uffffb', '\ufffe', 'ok \u{10FFFF} \ud83d\uded2'];
    const events = titles.map((title, i) => ({
      ...pageView(i),
      properties: { url: `https://www.example.com/p/${i}`, title },
    }));
    expect(await p.post(events)).toBe(202);
    expect(await p.drain(10_000)).toBe(0);
    // The characters SQS allows in a message body (SendMessage documentation).
    const allowed = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
    // The three requests of the POST travel in one pack.
    expect(bodies).toHaveLength(1);
    for (const body of bodies) expect(body).toMatch(allowed);
    const recorded = new Map(p.matomo.recorded().map((r) => [r.url, r.action_name]));
    for (const [i, title] of titles.entries()) {
      expect(recorded.get(`https://www.example.com/p/${i}`)).toBe(title);
    }
  });
});
