import { describe, expect, it } from 'vitest';
import { deliver } from '../../../src/batcher/deliver.ts';
import type { QueueMessage } from '../../../src/batcher/parse.ts';
import type { BatcherDeps } from '../../../src/batcher/ports.ts';
import { packBody } from '../../../src/tracking/queued-pack.ts';
import type { QueuedRequest } from '../../../src/tracking/queued-request.ts';
import { harnessPerTest, messages, queued } from './harness.ts';

const harness = harnessPerTest();

/** One SQS message carrying `requests` as ingest packs them. */
const pack = (messageId: string, requests: readonly QueuedRequest[]): QueueMessage => ({
  messageId,
  body: packBody(requests),
});

/** A destination lookup where `flaky` fails until `up()` is called (its secret unreadable). */
function flakyDestinations(url: string): { destination: BatcherDeps['destination']; up(): void } {
  let up = false;
  return {
    destination: async (name) => {
      if (name === 'default' || (name === 'flaky' && up)) return { url, token: undefined };
      if (name === 'flaky') throw new Error('secret unavailable');
      return undefined;
    },
    up: () => {
      up = true;
    },
  };
}

describe('deliver: packed messages', () => {
  it('settles each request of a pack on its own: delivered, and a dead letter holding only its request', async () => {
    const t = await harness();
    const [a, b] = [queued(), queued()];
    const nowhere = queued({ destination: 'nowhere' });
    const report = await deliver([pack('m1', [a, nowhere, b])], t.deps());

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts).toMatchObject({ delivered: 2, deadLettered: { 'unknown-destination': 1 } });
    expect(t.matomo.recorded().map((p) => p.action_name)).toEqual([
      a.params.action_name,
      b.params.action_name,
    ]);
    const letters = await t.deadLetters();
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0]?.body ?? '')).toEqual(nowhere);
  });

  it('retries a pack for its one undelivered request and skips the delivered ones on the next receive', async () => {
    const t = await harness();
    const flaky = flakyDestinations(t.matomo.url);
    const deps = t.deps({ destination: flaky.destination });
    const [a, late] = [queued(), queued({ destination: 'flaky' })];
    const first = await deliver([pack('m1', [a, late])], deps);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(first.counts.delivered).toBe(1);

    flaky.up();
    const second = await deliver([{ ...pack('m1', [a, late]), receiveCount: 2 }], deps);
    expect(second.batchItemFailures).toEqual([]);
    expect(second.counts).toMatchObject({ delivered: 1, skipped: 1 });
    expect(t.matomo.recorded().map((p) => p.action_name)).toEqual([
      a.params.action_name,
      late.params.action_name,
    ]);
  });

  it('dead-letters a request of a retried pack once, on the receive that settles the pack', async () => {
    const t = await harness();
    const flaky = flakyDestinations(t.matomo.url);
    const deps = t.deps({ destination: flaky.destination });
    const [nowhere, late] = [queued({ destination: 'nowhere' }), queued({ destination: 'flaky' })];
    const first = await deliver([pack('m1', [nowhere, late])], deps);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(first.counts.deadLettered).toEqual({});
    expect(await t.deadLetters()).toEqual([]);

    flaky.up();
    const second = await deliver([pack('m1', [nowhere, late])], deps);
    expect(second.batchItemFailures).toEqual([]);
    expect(second.counts.deadLettered).toEqual({ 'unknown-destination': 1 });
    const letters = await t.deadLetters();
    expect(letters.map((l) => JSON.parse(l.body))).toEqual([nowhere]);
  });

  it('reads single-request messages queued before packs beside packs, and merges a request carried by both', async () => {
    const t = await harness();
    const [old, a, b] = [queued(), queued(), queued()];
    const report = await deliver([...messages([old, a]), pack('m-pack', [a, b])], t.deps());
    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts.delivered).toBe(3);
    expect(t.matomo.recorded()).toHaveLength(3);
  });

  it('dead-letters only the malformed request of a pack, with its position', async () => {
    const t = await harness();
    const good = queued();
    const body = JSON.stringify({ v: 2, requests: [good, { v: 1, id: 'short' }] });
    const report = await deliver([{ messageId: 'm1', body }], t.deps());
    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts).toMatchObject({ delivered: 1, deadLettered: { malformed: 1 } });
    const [letter] = await t.deadLetters();
    expect(letter?.detail).toMatch(/^request 2 of 2 in a pack: /);
    expect(JSON.parse(letter?.body ?? '')).toEqual({ v: 1, id: 'short' });
  });
});
