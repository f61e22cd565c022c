import { describe, expect, it } from 'vitest';
import { deliver } from '../../../src/batcher/deliver.ts';
import type { BatcherDeps, VisitorStore } from '../../../src/batcher/ports.ts';
import { hashVisitorKey } from '../../../src/identity/index.ts';
import { FetchMatomoClient, type MatomoEndpoint } from '../../../src/matomo/client.ts';
import type { QueuedRequest } from '../../../src/tracking/queued-request.ts';
import { type Harness, harnessPerTest, messages, nowSeconds, queued } from './harness.ts';

const startHarness = harnessPerTest();
const SECRET = 'k3y';
const config = {
  maxRequests: 5,
  maxBytes: 1024 * 1024,
  deliveredTtlSeconds: 60,
  visitorHmacKey: SECRET,
  lanes: 2,
};

/** Six people early in the batch (3 requests each), then `late` with 3 requests after them all. */
function batch(): QueuedRequest[] {
  const base = nowSeconds() - 3600;
  const early = Array.from({ length: 18 }, (_, i) => queued({ time: base + i, key: `early-${i % 6}` }));
  const late = Array.from({ length: 3 }, (_, i) => queued({ time: base + 100 + i, key: 'late' }));
  return [...early, ...late];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The visitor store with `late`'s create held until `release` resolves (then `before` runs). */
function holdingLate(
  store: VisitorStore,
  release: (othersDone: Promise<void>) => Promise<void>,
  before: (create: VisitorStore['create']) => Promise<void> = async () => undefined,
): VisitorStore {
  const late = hashVisitorKey('late', SECRET);
  let othersLeft = 6;
  let othersDone: () => void = () => undefined;
  const others = new Promise<void>((resolve) => {
    othersDone = resolve;
  });
  return {
    getMany: (hashes) => store.getMany(hashes),
    create: async (hash, record, now) => {
      if (hash !== late) {
        const won = await store.create(hash, record, now);
        othersLeft -= 1;
        if (othersLeft === 0) othersDone();
        return won;
      }
      await release(others);
      await before((h, r, n) => store.create(h, r, n));
      return store.create(hash, record, now);
    },
    update: (hash, change, now) => store.update(hash, change, now),
    touch: (hash, now) => store.touch(hash, now),
  };
}

/** A Matomo client that tells when its first bulk was accepted. */
function watched(onAccepted: () => Promise<void> | void): MatomoEndpoint {
  const client = new FetchMatomoClient({ timeoutMs: 2000 });
  return {
    sendBulk: async (bulk) => {
      const answer = await client.sendBulk(bulk);
      await onAccepted();
      return answer;
    },
  };
}

function depsWith(h: Harness, make: (deps: BatcherDeps) => Partial<BatcherDeps>): BatcherDeps {
  const deps = h.deps({ config });
  return { ...deps, ...make(deps) };
}

describe('deliver: people stored while the first bulks go out', () => {
  it("sends a lane's bulk while a later new person is still being created, and that person's after", async () => {
    const h = await startHarness();
    const requests = batch();
    let accepted = 0;
    let acceptedBeforeLate = -1;
    let firstAccepted: () => void = () => undefined;
    const first = new Promise<void>((resolve) => {
      firstAccepted = resolve;
    });
    const deps = depsWith(h, (d) => ({
      // Without pipelining no bulk leaves before every create is done: the hold then ends
      // 5 s after the others are created, with nothing sent. (It waited 50 loop turns, which
      // a busy machine's first HTTP round trip to the harness's Matomo could outlast.)
      visitors: holdingLate(d.visitors, async (others) => {
        await Promise.race([first, others.then(() => sleep(5000))]);
        acceptedBeforeLate = accepted;
      }),
      matomo: watched(() => {
        accepted += 1;
        firstAccepted();
      }),
    }));
    const report = await deliver(messages(requests), deps);

    expect(acceptedBeforeLate).toBeGreaterThan(0);
    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts.delivered).toBe(21);
    const names = h.matomo.recorded().map((p) => p.action_name);
    expect([...names].sort()).toEqual(requests.map((r) => r.params.action_name).sort());
  });

  it('plans a lane again in the same batch when another batcher created one of its people first', async () => {
    const h = await startHarness();
    const requests = batch();
    const winner = 'feedfeedfeedfeed';
    const deps = depsWith(h, (d) => ({
      visitors: holdingLate(
        d.visitors,
        (others) => others,
        async (create) => {
          // The other batcher's record lands between this one's read and its create.
          await create(
            hashVisitorKey('late', SECRET),
            { visitorId: winner, seed: winner, userBound: false, links: [] },
            nowSeconds(),
          );
        },
      ),
    }));
    const report = await deliver(messages(requests), deps);

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts.delivered).toBe(21);
    const recorded = h.matomo.recorded();
    // Everything once, the late person's requests with the winner's id, in time order.
    expect(recorded.map((p) => p.action_name).sort()).toEqual(
      requests.map((r) => r.params.action_name).sort(),
    );
    const lateNames = requests.slice(18).map((r) => r.params.action_name);
    const late = recorded.filter((p) => lateNames.includes(p.action_name));
    expect(late.map((p) => p.cid)).toEqual([winner, winner, winner]);
    expect(late.map((p) => p.action_name)).toEqual(lateNames);
  });

  it('after a lane went out and Matomo failed for the rest, retries only what was not delivered', async () => {
    const h = await startHarness();
    const requests = batch();
    let firstAccepted: () => void = () => undefined;
    const first = new Promise<void>((resolve) => {
      firstAccepted = resolve;
    });
    let outage = true;
    const deps = depsWith(h, (d) => ({
      // The late person's lane waits for its create, which waits for the first accepted bulk:
      // by then Matomo is down, so that lane stops while the other delivered its first bulk.
      visitors: holdingLate(d.visitors, () => first),
      matomo: watched(async () => {
        if (!outage) return;
        outage = false;
        await h.matomo.outage({ kind: 'status', status: 503 });
        firstAccepted();
      }),
    }));
    const report = await deliver(messages(requests), deps);

    expect(report.counts.delivered).toBeGreaterThan(0);
    expect(report.batchItemFailures.length).toBeGreaterThan(0);
    const deliveredFirst = h.matomo.recorded().length;
    expect(deliveredFirst).toBe(report.counts.delivered);
    await h.matomo.recover();
    const failed = new Set(report.batchItemFailures.map((f) => f.itemIdentifier));
    const retry = await deliver(
      messages(requests).filter((m) => failed.has(m.messageId)),
      h.deps({ config }),
    );

    expect(retry.batchItemFailures).toEqual([]);
    expect(retry.counts.delivered).toBe(21 - deliveredFirst);
    const names = h.matomo.recorded().map((p) => p.action_name);
    expect([...names].sort()).toEqual(requests.map((r) => r.params.action_name).sort());
  });
});
