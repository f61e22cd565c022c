import { expect, it } from 'vitest';
import { deliver } from '../../../src/batcher/deliver.ts';
import type { BatcherDeps } from '../../../src/batcher/ports.ts';
import { type Harness, harnessPerTest, messages, nowSeconds, queued } from './harness.ts';

const startHarness = harnessPerTest();

/** Bulks of 2 with a 1 s Matomo timeout: another bulk needs 2 s left (1 s reserve). */
function smallBulks(t: Harness): BatcherDeps {
  const deps = t.deps();
  return { ...deps, config: { ...deps.config, maxRequests: 2, bulkTimeoutMs: 1000 } };
}

const six = () => Array.from({ length: 6 }, (_, i) => queued({ time: nowSeconds() - 600 + i }));

it('starts no bulk the function could not finish, and hands the rest back in order', async () => {
  const t = await startHarness({}, { token: 'write-token' });
  const requests = six();
  // 5 s left at the start; after the first bulk only 1.5 s: too little for another.
  const remainingMs = (): number => (t.matomo.received.length === 0 ? 5000 : 1500);
  const report = await deliver(messages(requests), smallBulks(t), { remainingMs });

  expect(t.matomo.received).toHaveLength(1);
  expect(t.matomo.recorded().map((p) => p.action_name)).toEqual(
    requests.slice(0, 2).map((r) => r.params.action_name),
  );
  expect(report.counts).toMatchObject({ delivered: 2, retried: 4, deadLettered: {} });
  expect(report.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
    requests
      .slice(2)
      .map((r) => `m-${r.id}`)
      .sort(),
  );

  // The retry, with time enough, sends the rest and skips what was delivered.
  const again = await deliver(messages(requests), smallBulks(t), { remainingMs: () => 60_000 });
  expect(again.counts).toMatchObject({ delivered: 4, skipped: 2, retried: 0 });
  expect(t.matomo.recorded()).toHaveLength(6);
});

it('does not hold a function to a bulk timeout it never had time for', async () => {
  const t = await startHarness({}, { token: 'write-token' });
  const report = await deliver(messages(six()), smallBulks(t), { remainingMs: () => 500 });
  expect(report.counts).toMatchObject({ delivered: 6, retried: 0 });
  expect(t.matomo.received).toHaveLength(3);
});
