import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chunkBySize,
  compareRequests,
  entryBytes,
  envelopeBytes,
  sortByTime,
} from '../../../src/batcher/order.ts';
import type { QueuedRequest } from '../../../src/tracking/queued-request.ts';

function request(id: string, time: number, receivedAt: number): QueuedRequest {
  return {
    v: 1,
    id: id.padStart(32, '0'),
    source: 's',
    eventId: 'e',
    rule: 'r',
    index: 0,
    destination: 'default',
    params: { idsite: '1', rec: '1', apiv: '1', cdt: String(time) },
    visitor: { key: 'k' },
    time,
    receivedAt,
  };
}

describe('sortByTime', () => {
  it('orders by event time, then time received, then request id', () => {
    const items = [request('c', 20, 1), request('b', 10, 5), request('a', 10, 5), request('d', 10, 1)].map(
      (r) => ({ request: r }),
    );
    expect(sortByTime(items).map((i) => i.request.id.slice(-1))).toEqual(['d', 'a', 'b', 'c']);
  });

  it("keeps one event's requests in the rule's track order at equal times, whatever their ids", () => {
    const track = (id: string, eventId: string, index: number) => ({
      request: { ...request(id, 10, 5), eventId, index },
    });
    // Ids are hashes: here the second track item's id sorts first.
    const items = [
      track('f', 'evt_1', 0),
      track('a', 'evt_1', 1),
      track('b', 'evt_0', 1),
      track('e', 'evt_0', 0),
    ];
    expect(sortByTime(items).map((i) => `${i.request.eventId}/${i.request.index}`)).toEqual([
      'evt_0/0',
      'evt_0/1',
      'evt_1/0',
      'evt_1/1',
    ]);
  });

  it('gives the same order whatever order the batch arrives in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 })), { maxLength: 30 }),
        fc.nat(),
        (pairs, seed) => {
          const items = pairs.map(([t, r], i) => ({ request: request(i.toString(16), t, r) }));
          const rotated = [
            ...items.slice(seed % (items.length || 1)),
            ...items.slice(0, seed % (items.length || 1)),
          ];
          const sorted = sortByTime(rotated);
          expect(sorted).toEqual(sortByTime(items));
          for (let i = 1; i < sorted.length; i += 1) {
            const [prev, next] = [sorted[i - 1], sorted[i]];
            if (prev && next) expect(compareRequests(prev.request, next.request)).toBeLessThanOrEqual(0);
          }
        },
      ),
    );
  });
});

describe('chunkBySize', () => {
  const size = (s: string): number => s.length;

  it('cuts at the request count', () => {
    const chunks = chunkBySize(['a', 'b', 'c', 'd', 'e'], size, { maxRequests: 2, maxBytes: 1000 });
    expect(chunks).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('cuts before the byte limit, counting the commas between entries', () => {
    // 4 + 1 + 4 = 9 fits in 9; a third entry would need 14.
    const chunks = chunkBySize(['aaaa', 'bbbb', 'cccc'], size, { maxRequests: 100, maxBytes: 9 });
    expect(chunks).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });

  it('never exceeds either limit and keeps every entry in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 20, max: 200 }),
        (entries, maxRequests, maxBytes) => {
          const chunks = chunkBySize(entries, size, { maxRequests, maxBytes });
          expect(chunks.flat()).toEqual(entries);
          for (const chunk of chunks) {
            expect(chunk.length).toBeLessThanOrEqual(maxRequests);
            expect(chunk.reduce((n, e) => n + e.length, 0) + chunk.length - 1).toBeLessThanOrEqual(maxBytes);
          }
        },
      ),
    );
  });

  it('measures entries and the envelope as they appear in the JSON body', () => {
    const entries = ['?idsite=1&rec=1&url=%C3%A9', '?a="quoted"'];
    const body = JSON.stringify({ requests: entries, token_auth: 'tok' });
    const measured =
      envelopeBytes('tok') + entries.map(entryBytes).reduce((a, b) => a + b) + entries.length - 1;
    expect(measured).toBe(Buffer.byteLength(body));
  });

  it('measures an entry as its JSON bytes, for form-encoded queries and any other text', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(text, (s) => {
        expect(entryBytes(s)).toBe(Buffer.byteLength(JSON.stringify(s)));
        const query = `?${new URLSearchParams({ action_name: s, cid: '0123456789abcdef' }).toString()}`;
        expect(entryBytes(query)).toBe(Buffer.byteLength(JSON.stringify(query)));
      }),
    );
  });
});
