import { describe, expect, it } from 'vitest';
import { deliver } from '../../../src/batcher/deliver.ts';
import { FetchMatomoClient } from '../../../src/matomo/client.ts';
import { messages, nowSeconds, queued, shuffle, startHarness } from './harness.ts';

describe('deliver: lanes', () => {
  it('sends bulks of different people at once, each person in order, everything once', async () => {
    const t = await startHarness();
    const base = nowSeconds() - 7200;
    // 12 people, 10 requests each; one person links two keys (anonymous, then signed in).
    const requests = Array.from({ length: 120 }, (_, i) =>
      queued({ time: base + Math.floor(i / 3), key: `person-${i % 12}` }),
    );
    const linked = [
      queued({ time: base + 1, key: 'anon-1' }),
      queued({ time: base + 2, key: 'user-1', visitor: { key: 'user-1', anonymousKey: 'anon-1' } }),
      queued({ time: base + 3, key: 'user-1' }),
    ];
    let inFlight = 0;
    let most = 0;
    const counting: typeof fetch = async (input, init) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight -= 1;
      }
    };
    const config = {
      maxRequests: 10,
      maxBytes: 1024 * 1024,
      deliveredTtlSeconds: 60,
      visitorHmacKey: 'k',
      lanes: 4,
    };
    const report = await deliver(
      messages(shuffle([...requests, ...linked], 3)),
      t.deps({ config, matomo: new FetchMatomoClient({ fetch: counting }) }),
    );

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts.delivered).toBe(123);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    const recorded = t.matomo.recorded();
    expect(recorded.map((p) => p.action_name).sort()).toEqual(
      [...requests, ...linked].map((r) => r.params.action_name).sort(),
    );
    // Per person (cid), the order Matomo recorded is the event-time order.
    const byCid = new Map<string, number[]>();
    for (const p of recorded) byCid.set(p.cid ?? '', [...(byCid.get(p.cid ?? '') ?? []), Number(p.cdt)]);
    for (const times of byCid.values()) expect(times).toEqual([...times].sort((a, b) => a - b));
    const linkedNames = linked.map((r) => r.params.action_name);
    expect(recorded.filter((p) => linkedNames.includes(p.action_name)).map((p) => p.action_name)).toEqual(
      linkedNames,
    );
    await t.close();
  });
});
