import { describe, expect, it } from 'vitest';
import { MemoryQueue } from '../../../src/ingest/index.ts';
import { WarningLedger } from '../../../src/local/warning-ledger.ts';
import type { QueuedRequest } from '../../../src/tracking/queued-request.ts';

const WARNING = { field: 'track[0].order.referrer', message: 'dropped: expected an absolute http(s) URL' };

function queued(n: number, warnings?: QueuedRequest['warnings']): QueuedRequest {
  const request: QueuedRequest = {
    v: 1,
    id: n.toString(16).padStart(32, '0'),
    source: 'shopify',
    eventId: `e${n}`,
    rule: 'order created',
    index: 0,
    destination: 'default',
    params: { idsite: '1', rec: '1', apiv: '1', cdt: '1790000000', ec_id: `o${n}` },
    visitor: { key: 'k' },
    time: 1_790_000_000,
    receivedAt: 1_790_000_000_000,
  };
  if (warnings) request.warnings = warnings;
  return request;
}

describe('WarningLedger', () => {
  it('finds the warnings of a queued request in what Matomo received, whatever the batcher added', async () => {
    const ledger = new WarningLedger();
    await ledger.wrap(new MemoryQueue()).send([queued(1, [WARNING]), queued(2)]);
    const sent = { ...queued(1).params, cid: '0123456789abcdef' };
    expect(ledger.warningsFor(sent)).toEqual([WARNING]);
    expect(ledger.warningsFor({ ...queued(2).params, cid: '0123456789abcdef' })).toBeUndefined();
    expect(ledger.warningsFor({ ...sent, ec_id: 'other' })).toBeUndefined();
  });

  it('remembers nothing the queue refused, and forgets the oldest past its limit', async () => {
    const queue = new MemoryQueue();
    const ledger = new WarningLedger(2);
    queue.failNext();
    await expect(ledger.wrap(queue).send([queued(1, [WARNING])])).rejects.toThrow();
    expect(ledger.warningsFor(queued(1).params)).toBeUndefined();
    await ledger.wrap(queue).send([queued(2, [WARNING]), queued(3, [WARNING]), queued(4, [WARNING])]);
    expect([2, 3, 4].map((n) => ledger.warningsFor(queued(n).params) !== undefined)).toEqual([
      false,
      true,
      true,
    ]);
  });
});
