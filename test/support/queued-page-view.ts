import type { QueuedRequest } from '../../src/tracking/queued-request.ts';

/**
 * The `n`th queued page view of the app source for visitor `key`, as ingest queues it: the
 * request the local-data and operations tests put on queues and in dead letters by hand.
 */
export function queuedPageView(n: number, key: string): QueuedRequest {
  return {
    v: 1,
    id: n.toString(16).padStart(32, '0'),
    source: 'app',
    eventId: `evt_${n}`,
    rule: 'page view',
    index: 0,
    destination: 'default',
    params: { idsite: '1', rec: '1', apiv: '1', url: `https://www.example.com/p/${n}`, cdt: '1790000000' },
    visitor: { key },
    time: 1_790_000_000,
    receivedAt: 1_790_000_000_000,
  };
}
