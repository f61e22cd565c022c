import { describe, expect, it } from 'vitest';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { apiKeyHeaders, example, harness, secrets } from './harness.ts';

const signup = example('app', 'signup');
const pageView = example('app', 'page-view');
const ignored = example('app', 'newsletter-opened');

function arrayOf(...events: Buffer[]): Buffer {
  return Buffer.from(JSON.stringify(events.map((e) => JSON.parse(e.toString()))));
}

describe('POST /events', () => {
  it('queues the requests of one event and answers 202 with the counts', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/events',
      query: { source: 'app' },
      headers: apiKeyHeaders(),
      body: signup,
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ id: 'req-1', accepted: 1, matched: 1, requests: 1, ignored: 0 });
    expect(h.queue.messages).toHaveLength(1);
    const message = QueuedRequestSchema.parse(h.queue.messages[0]);
    expect(message).toMatchObject({
      source: 'app',
      rule: 'signup',
      eventId: 'evt_01J7Z3K8Q4M2N6P8R0T2V4X6Z8',
    });
    expect(message.params.idgoal).toBe('2');
  });

  it('sums the counts over an array and counts events no rule matched as ignored', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/events',
      headers: apiKeyHeaders(),
      body: arrayOf(signup, ignored, pageView),
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ id: 'req-1', accepted: 3, matched: 2, requests: 2, ignored: 1 });
    expect(h.queue.messages.map((m) => m.rule)).toEqual(['signup', 'page view']);
  });

  it('uses the only api-key source when ?source= is absent', async () => {
    const h = await harness();
    const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body: signup });
    expect(res.status).toBe(202);
    expect(h.queue.messages[0]?.source).toBe('app');
  });

  it('gives an event without id the body hash as identity, so a resend produces the same request ids', async () => {
    const h = await harness();
    const event = JSON.parse(signup.toString());
    delete event.id;
    const body = Buffer.from(JSON.stringify([event]));
    await h.call({ path: '/events', headers: apiKeyHeaders(), body });
    await h.call({ path: '/events', headers: apiKeyHeaders(), body });
    const [first, second] = h.queue.messages;
    expect(first?.eventId).toMatch(/^sha256:[0-9a-f]{64}#0$/);
    expect(second?.id).toBe(first?.id);
  });

  it('accepts the key as a Bearer token', async () => {
    const h = await harness();
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${secrets.TAGLANE_API_KEY}`,
    };
    const res = await h.call({ path: '/events', headers, body: signup });
    expect(res.status).toBe(202);
  });

  it('accepts application/*+json with a charset', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/events',
      headers: apiKeyHeaders({ 'content-type': 'application/vnd.app+json; charset=utf-8' }),
      body: signup,
    });
    expect(res.status).toBe(202);
  });
});
