import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver } from '../../../src/batcher/deliver.ts';
import type { BatcherDeps, VisitorStore } from '../../../src/batcher/ports.ts';
import { type Harness, messages, nowSeconds, queued, shuffle, startHarness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function sequence(prefix: string): () => string {
  let n = 0;
  return () => {
    n += 1;
    return `${prefix}${String(n).padStart(12, '0')}`;
  };
}

function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => undefined;
  const open = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived >= parties) release();
    return open;
  };
}

const cidsByKey = (
  keys: readonly string[],
  cids: readonly (string | undefined)[],
): Map<string, Set<string>> => {
  const out = new Map<string, Set<string>>();
  keys.forEach((key, i) => {
    const set = out.get(key) ?? new Set<string>();
    set.add(cids[i] ?? 'missing');
    out.set(key, set);
  });
  return out;
};

describe('deliver: order and visitors', () => {
  it('delivers a shuffled batch to Matomo in event-time order with a cid on every request', async () => {
    const base = nowSeconds() - 7200;
    const requests = Array.from({ length: 40 }, (_, i) =>
      queued({ time: base + Math.floor(i / 2), receivedAt: (base + i) * 1000, key: `k${i % 5}` }),
    );
    const report = await deliver(messages(shuffle(requests, 7)), h.deps());

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts.delivered).toBe(40);
    const recorded = h.matomo.recorded();
    expect(recorded.map((p) => p.action_name)).toEqual(requests.map((r) => r.params.action_name));
    for (const params of recorded) expect(params.cid).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps a uid the rule set and adds the cid beside it', async () => {
    const request = queued({ params: { uid: 'user@example.com' } });
    await deliver(messages([request]), h.deps());
    const [params] = h.matomo.recorded();
    expect(params?.uid).toBe('user@example.com');
    expect(params?.cid).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives a visitor key the same cid across batches and different keys different cids', async () => {
    const first = [queued({ key: 'alice' }), queued({ key: 'bob' })];
    const second = [queued({ key: 'bob' }), queued({ key: 'alice' })];
    await deliver(messages(first), h.deps());
    await deliver(messages(second), h.deps());
    const cidOf = new Map(h.matomo.recorded().map((p) => [p.action_name, p.cid]));
    const cid = (r: (typeof first)[number]): string | undefined => cidOf.get(r.params.action_name);
    expect(cid(first[0] ?? queued())).toBe(cid(second[1] ?? queued()));
    expect(cid(first[1] ?? queued())).toBe(cid(second[0] ?? queued()));
    expect(cid(first[0] ?? queued())).not.toBe(cid(first[1] ?? queued()));
    expect(cidOf.size).toBe(4);
  });

  it('ends with one cid per key when two batchers race on the same new keys', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `racer-${i}`);
    const batchA = keys.map((key) => queued({ key }));
    const batchB = keys.map((key) => queued({ key }));
    // Both batchers read before either creates, so every new key is a real race; distinct id
    // generators would show a lost race as two cids for one key.
    const bothRead = barrier(2);
    let creates = 0;
    const racer = (prefix: string): BatcherDeps => {
      const deps = h.deps({ newVisitorId: sequence(prefix) });
      const store = deps.visitors;
      const visitors: VisitorStore = {
        getMany: async (hashes) => {
          const found = await store.getMany(hashes);
          await bothRead();
          return found;
        },
        create: (hash, record, now) => {
          creates += 1;
          return store.create(hash, record, now);
        },
        update: (hash, change, now) => store.update(hash, change, now),
        touch: (hash, now) => store.touch(hash, now),
      };
      return { ...deps, visitors };
    };
    const [reportA, reportB] = await Promise.all([
      deliver(messages(batchA), racer('aaaa')),
      deliver(messages(batchB), racer('bbbb')),
    ]);

    expect(reportA.counts.delivered + reportB.counts.delivered).toBe(60);
    const recorded = h.matomo.recorded();
    const byId = new Map([...batchA, ...batchB].map((r) => [r.params.action_name, r.visitor.key]));
    const perKey = cidsByKey(
      recorded.map((p) => byId.get(p.action_name) ?? ''),
      recorded.map((p) => p.cid),
    );
    expect(perKey.size).toBe(30);
    for (const set of perKey.values()) expect(set.size).toBe(1);
    expect(creates).toBe(60);
  });

  it("keeps people apart in Matomo's visits when one of them identifies (a fingerprint per person)", async () => {
    const deps = h.deps({ token: 'write-token' });
    const t = nowSeconds() - 3600;
    const bobAnon = queued({ key: 'bob', time: t });
    const alice = queued({ key: 'alice', time: t + 10 });
    const bobSignup = queued({ key: 'bob', time: t + 20, params: { uid: 'bob@example.com' } });
    for (const request of [bobAnon, alice, bobSignup]) await deliver(messages([request]), deps);

    const visitOf = new Map(h.matomo.placements().map((p) => [p.params.action_name, p.idvisit]));
    const visit = (r: typeof alice) => visitOf.get(r.params.action_name);
    expect(visit(bobSignup)).toBe(visit(bobAnon));
    expect(visit(alice)).not.toBe(visit(bobAnon));
    const cips = h.matomo.recorded().map((p) => p.cip);
    expect(cips[0]).toMatch(/^2001:db8:/);
    expect(cips[0]).toBe(cips[2]);
    expect(cips[1]).not.toBe(cips[0]);
  });

  it('sends an anonymous key linked to a user id where Matomo moved the visit, across batches', async () => {
    const deps = h.deps({ token: 'write-token' });
    const t = nowSeconds() - 3600;
    const before = queued({ key: 'anon-7', time: t });
    const signup = queued({ key: 'user-7', time: t + 30, params: { uid: 'user-7' } });
    const identified = { ...signup, visitor: { key: 'user-7', anonymousKey: 'anon-7' } };
    const after = queued({ key: 'anon-7', time: t + 60 });
    for (const request of [before, identified, after]) await deliver(messages([request]), deps);

    const visits = new Set(h.matomo.placements().map((p) => p.idvisit));
    expect(visits.size).toBe(1);
    expect(h.matomo.visits()[0]).toMatchObject({ userId: 'user-7', actions: 3 });
  });

  it('sends no synthetic address without a token, where Matomo would refuse cip', async () => {
    await deliver(messages([queued({ key: 'dora' })]), h.deps());
    expect(h.matomo.recorded()[0]?.cip).toBeUndefined();
  });

  it('stores visitor keys only as HMAC hashes', async () => {
    await deliver(messages([queued({ key: 'carol@example.com' })]), h.deps());
    const scan = await h.dynamo.client.send(new ScanCommand({ TableName: h.dynamo.tableName }));
    const text = JSON.stringify(scan.Items);
    expect(text).not.toContain('carol');
    expect(scan.Items?.some((i) => /^v#[0-9a-f]{64}$/.test(i.pk?.S ?? ''))).toBe(true);
  });

  it('links a key to the browser visitor id it came with, for later server-side events too', async () => {
    const browserId = 'ABCDEF0123456789';
    await deliver(messages([queued({ key: 'dave' })]), h.deps());
    await deliver(messages([queued({ visitor: { key: 'dave', browserId } })]), h.deps());
    await deliver(messages([queued({ key: 'dave' })]), h.deps());
    const cids = h.matomo.recorded().map((p) => p.cid);
    expect(cids[0]).not.toBe('abcdef0123456789');
    expect(cids.slice(1)).toEqual(['abcdef0123456789', 'abcdef0123456789']);
  });
});
