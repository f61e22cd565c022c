import { afterEach, describe, expect, it } from 'vitest';
import { DYNAMODB_THROTTLED, failSomeEntries, operationOf } from './support/fault-proxy.ts';
import { type Pipeline, pageView, recordedCounts, startPipeline } from './support/pipeline.ts';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ones = (n: number): number[] => Array.from({ length: n }, () => 1);

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
    expect(await p.drain(20_000)).toBe(0);
    expect(statuses.every((s) => s === 202)).toBe(true);
    expect(throttled).toBeGreaterThan(0);
    expect(p.batches.some((b) => b.failed > 0)).toBe(true);
    expect(recordedCounts(p.matomo, 40)).toEqual(ones(40));
    expect(await p.deadLetters()).toEqual([]);
  });
});

describe('SQS SendMessageBatch fails some entries', () => {
  it('answers 503 when entries stay unqueued, 202 only when all are queued, and loses nothing', async () => {
    const p = await startPipeline();
    pipeline = p;
    let injected = 0;
    const failEvery3rd = failSomeEntries((i) => i % 3 === 0);
    p.sqsProxy.setRule((request) => {
      const action = failEvery3rd(request);
      if (action) injected += 1;
      return action;
    });
    const posts = Array.from({ length: 12 }, (_, k) =>
      Array.from({ length: 10 }, (_, i) => pageView(k * 10 + i)),
    );
    const first = await Promise.all(posts.map((events) => p.post(events)));
    p.sqsProxy.setRule(undefined);
    expect(injected).toBeGreaterThan(0);
    expect(first.every((s) => s === 202 || s === 503)).toBe(true);
    expect(first).toContain(503);
    await p.drain(20_000);
    const afterFirst = recordedCounts(p.matomo, 120);
    // Every event of a 202 answer is delivered, before any retry by the sender.
    first.forEach((status, k) => {
      if (status === 202) expect(afterFirst.slice(k * 10, k * 10 + 10)).toEqual(ones(10));
    });
    // The sender retries what got 503, as webhook senders do.
    const retried = await Promise.all(posts.map((events, k) => (first[k] === 503 ? p.post(events) : 202)));
    expect(retried.every((s) => s === 202)).toBe(true);
    expect(await p.drain(20_000)).toBe(0);
    expect(recordedCounts(p.matomo, 120)).toEqual(ones(120));
  });

  it('answers 503 for every POST while SQS fails every entry, and records them once after the retry', async () => {
    const p = await startPipeline();
    pipeline = p;
    p.sqsProxy.setRule((request) =>
      operationOf(request) === 'SendMessageBatch' ? failSomeEntries(() => true)(request) : undefined,
    );
    const events = Array.from({ length: 5 }, (_, i) => pageView(i));
    expect(await p.post(events)).toBe(503);
    p.sqsProxy.setRule(undefined);
    await p.drain(10_000);
    expect(p.matomo.recorded()).toEqual([]);
    expect(await p.post(events)).toBe(202);
    expect(await p.drain(10_000)).toBe(0);
    expect(recordedCounts(p.matomo, 5)).toEqual(ones(5));
  });
});
