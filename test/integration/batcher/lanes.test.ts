import { describe, expect, it } from 'vitest';
import { deliver } from '../../../src/batcher/deliver.ts';
import { partitionByPerson } from '../../../src/batcher/lanes.ts';
import { userVisitorId } from '../../../src/identity/index.ts';
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

  it('dead-letters a poisonous request alone in its lane when another lane got through', async () => {
    const t = await startHarness({ crashPlugin: false });
    const base = nowSeconds() - 600;
    // A uid makes the cid sha1(uid), so the lanes are known: people outside the poison's lane.
    const keys = (uid: string): string[] => [`k:${uid}`, `u:${uid}`, `c:${userVisitorId(uid)}`];
    const apart = (uid: string): boolean =>
      partitionByPerson([keys('poison'), keys(uid)], (k) => k, 4).length === 2;
    const uids = Array.from({ length: 40 }, (_, i) => `fine-${i}`)
      .filter(apart)
      .slice(0, 6);
    expect(uids).toHaveLength(6);
    const fine = uids.map((uid, i) => queued({ time: base + i, key: uid, params: { uid } }));
    const poison = queued({
      time: base + 3,
      key: 'poison',
      params: { uid: 'poison', ca: '1', cra: 'TypeError: x' },
    });
    const config = {
      maxRequests: 100,
      maxBytes: 1024 * 1024,
      deliveredTtlSeconds: 60,
      visitorHmacKey: 'k',
      lanes: 4,
      // Judged on this one receive (the rule's count of receives is tested in outcomes.test.ts).
      poisonAfter: 1,
    };
    const report = await deliver(messages([...fine, poison]), t.deps({ config }));

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts.deadLettered).toEqual({ rejected: 1 });
    expect(t.matomo.recorded().map((p) => p.cid)).not.toContain(userVisitorId('poison'));
    expect(
      t.matomo
        .recorded()
        .map((p) => p.action_name)
        .sort(),
    ).toEqual(fine.map((r) => r.params.action_name).sort());
    expect((await t.deadLetters()).map((l) => l.messageId)).toEqual([`m-${poison.id}`]);
    await t.close();
  });
});
