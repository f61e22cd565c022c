import { describe, expect, it } from 'vitest';
import { DynamoDbDeliveryLog } from '../../../src/adapters/dynamodb-delivery-log.ts';
import { deliver } from '../../../src/batcher/deliver.ts';
import type { QueueMessage } from '../../../src/batcher/parse.ts';
import { hashVisitorKey } from '../../../src/identity/index.ts';
import { FetchMatomoClient } from '../../../src/matomo/client.ts';
import type { Outage } from '../../support/matomo-server.ts';
import { harnessPerTest, messages, nowSeconds, queued } from './harness.ts';

const startHarness = harnessPerTest();

/** What SQS redelivers after a partial batch response: only the failed messages. */
function failedOnly(
  batch: readonly QueueMessage[],
  failures: readonly { itemIdentifier: string }[],
): QueueMessage[] {
  const ids = new Set(failures.map((f) => f.itemIdentifier));
  return batch.filter((m) => ids.has(m.messageId));
}

const outages: readonly [string, Outage][] = [
  ['refused connections', { kind: 'refuse' }],
  ['503 answers', { kind: 'status', status: 503 }],
  ['429 answers', { kind: 'status', status: 429 }],
  ['502 answers', { kind: 'status', status: 502 }],
  ['504 answers', { kind: 'status', status: 504 }],
  ['hangs past the timeout', { kind: 'hang' }],
];

describe('deliver: outages', () => {
  it.each(outages)(
    'retries every request through %s and delivers each exactly once after recovery',
    async (_, outage) => {
      const h = await startHarness();
      const base = nowSeconds() - 900;
      const requests = Array.from({ length: 8 }, (_, i) => queued({ time: base + i }));
      const batch = messages(requests);
      const deps = h.deps({ timeoutMs: 300 });

      await h.matomo.outage(outage);
      const during = await deliver(batch, deps);
      expect(during.batchItemFailures).toHaveLength(8);
      expect(during.counts.retried).toBe(8);
      expect(h.matomo.recorded()).toEqual([]);

      await h.matomo.recover();
      const after = await deliver(failedOnly(batch, during.batchItemFailures), deps);
      expect(after.batchItemFailures).toEqual([]);
      expect(h.matomo.recorded().map((p) => p.action_name)).toEqual(
        requests.map((r) => r.params.action_name),
      );
      expect(await h.deadLetters()).toEqual([]);
    },
  );

  it('keeps what got through before an outage and delivers the rest once after it', async () => {
    const t = await startHarness();
    const base = nowSeconds() - 900;
    const requests = Array.from({ length: 12 }, (_, i) => queued({ time: base + i }));
    const batch = messages(requests);
    let calls = 0;
    // Matomo goes down right after answering the first bulk.
    const fetchThenOutage: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      calls += 1;
      if (calls === 1) await t.matomo.outage({ kind: 'status', status: 503 });
      return response;
    };
    const config = { maxRequests: 4, maxBytes: 1024 * 1024, deliveredTtlSeconds: 3600, visitorHmacKey: 'k' };
    const during = await deliver(
      batch,
      t.deps({ config, matomo: new FetchMatomoClient({ fetch: fetchThenOutage }) }),
    );

    expect(during.counts.delivered).toBe(4);
    expect(during.batchItemFailures).toHaveLength(8);
    // Stops at the first failure instead of hammering a Matomo that is down.
    expect(t.matomo.received.filter((r) => r.status === 503)).toHaveLength(1);

    await t.matomo.recover();
    // A whole-batch redelivery (e.g. after a crash) must not resend the first four.
    const after = await deliver(batch, t.deps({ config }));
    expect(after.counts).toMatchObject({ delivered: 8, skipped: 4 });
    expect(t.matomo.recorded().map((p) => p.action_name)).toEqual(requests.map((r) => r.params.action_name));
  });

  it('records each bulk as soon as Matomo accepts it, so a crash mid-batch resends only what was in flight', async () => {
    const t = await startHarness();
    const requests = Array.from({ length: 8 }, (_, i) => queued({ time: nowSeconds() - 900 + i }));
    let calls = 0;
    let secondBulkStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      secondBulkStarted = resolve;
    });
    // The second bulk never returns, like a Lambda killed while waiting for Matomo.
    const fetchThenHang: typeof fetch = async (input, init) => {
      calls += 1;
      if (calls === 1) return fetch(input, init);
      secondBulkStarted();
      return new Promise<Response>(() => undefined);
    };
    const config = { maxRequests: 4, maxBytes: 1024 * 1024, deliveredTtlSeconds: 3600, visitorHmacKey: 'k' };
    // Never settles: the batcher is 'killed' while the second bulk is in flight.
    void deliver(
      messages(requests),
      t.deps({ config, matomo: new FetchMatomoClient({ fetch: fetchThenHang }) }),
    );
    await started;

    const log = new DynamoDbDeliveryLog({ client: t.dynamo.api, tableName: t.dynamo.tableName });
    const recorded = await log.delivered(
      requests.map((r) => ({ id: r.id, bucket: hashVisitorKey(r.visitor.key, config.visitorHmacKey) })),
    );
    expect([...recorded].sort()).toEqual(
      requests
        .slice(0, 4)
        .map((r) => r.id)
        .sort(),
    );
  });
});
