import { describe, expect, it } from 'vitest';
import { apiKeyHeaders, harness } from './harness.ts';

const view = (id: string, title: string) => ({
  id,
  type: 'page_view',
  anonymousId: 'a1',
  properties: { url: 'https://www.example.com/', title },
});

const post = (events: unknown[]) => ({
  path: '/events',
  headers: apiKeyHeaders(),
  body: Buffer.from(JSON.stringify(events)),
});

describe('events sharing an id in one POST', () => {
  it('refuses two different events with the same id, naming both, and queues nothing', async () => {
    const h = await harness();
    const res = await h.call(post([view('e1', 'Home'), view('e2', 'Other'), view('e1', 'Pricing')]));
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({
      type: 'urn:taglane:problem:duplicate-event-id',
      issues: [{ path: '$[2]', message: 'has the same id as $[0] but different content' }],
    });
    expect((res.json as { detail: string }).detail).toContain('$[0] and $[2]');
    expect(h.queue.messages).toHaveLength(0);
  });

  it('counts the very same event sent twice as a duplicate and queues it once', async () => {
    const h = await harness();
    const res = await h.call(post([view('e1', 'Home'), view('e1', 'Home'), view('e2', 'Other')]));
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accepted: 3, matched: 2, ignored: 0, duplicates: 1, requests: 2 });
    expect(h.queue.messages.map((m) => m.eventId)).toEqual(['e1', 'e2']);
  });

  it('answers without duplicates when every id is different', async () => {
    const h = await harness();
    const res = await h.call(post([view('e1', 'Home'), view('e2', 'Home')]));
    expect(res.status).toBe(202);
    expect(res.json).not.toHaveProperty('duplicates');
  });
});
