import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { QueuedRequestSchema } from '../../../../src/tracking/queued-request.ts';
import { example, harness, NOW_MS, secrets } from '../../ingest/harness.ts';

const basic = (key: string): string => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const auth = { 'content-type': 'application/json', authorization: basic(secrets.SEGMENT_WRITE_KEY) };
const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const message = (name: string): Record<string, unknown> => JSON.parse(example('segment', name).toString());

describe('Segment HTTP API (POST /v1/*)', () => {
  it('queues a track call under its messageId and answers 200 success as Segment does', async () => {
    const h = await harness();
    const res = await h.call({ path: '/v1/track', headers: auth, body: example('segment', 'track') });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: true, accepted: 1, matched: 1, requests: 1 });
    const [queued] = h.queue.messages;
    expect(QueuedRequestSchema.parse(queued)).toMatchObject({
      source: 'segment',
      eventId: message('track').messageId,
      params: { e_c: 'Video', e_a: 'Video Played', uid: 'user_8842' },
    });
  });

  it('gives a retried batch the same request ids, so the batcher records it once', async () => {
    const h = await harness();
    const batch = body({ batch: [message('page'), message('order-completed')], sentAt: new Date(NOW_MS) });
    const first = await h.call({ path: '/v1/batch', headers: auth, body: batch });
    const retry = await h.call({ path: '/v1/batch', headers: auth, body: batch });
    expect([first.status, retry.status]).toEqual([200, 200]);
    const ids = h.queue.messages.map((m) => m.id);
    expect(ids).toHaveLength(4);
    expect(ids.slice(2)).toEqual(ids.slice(0, 2));
  });

  it('maps a message repeated in one batch once, and refuses two different ones sharing a messageId', async () => {
    const h = await harness();
    const track = message('track');
    const repeated = await h.call({
      path: '/v1/batch',
      headers: auth,
      body: body({ batch: [track, track] }),
    });
    expect(repeated.status).toBe(200);
    expect(repeated.json).toMatchObject({ accepted: 2, requests: 1, duplicates: 1 });
    const clash = { ...track, event: 'Something Else' };
    const refused = await h.call({ path: '/v1/batch', headers: auth, body: body({ batch: [track, clash] }) });
    expect(refused.status).toBe(422);
    expect(h.queue.messages).toHaveLength(1);
  });

  it('takes the write key from the body when there is no Authorization header', async () => {
    const h = await harness();
    const payload = body({ ...message('page'), writeKey: secrets.SEGMENT_WRITE_KEY });
    const res = await h.call({ path: '/v1/page', headers: {}, body: payload });
    expect(res.status).toBe(200);
    expect(h.queue.messages[0]?.params.action_name).toBe('Pricing');
  });

  it('refuses a wrong write key with a 401 problem and a Basic challenge, queuing nothing', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/v1/track',
      headers: { authorization: basic('not-the-key') },
      body: example('segment', 'track'),
    });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="taglane"');
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json).toMatchObject({
      type: 'urn:taglane:problem:unauthorized',
      detail: 'the write key is not valid',
    });
    expect(h.queue.messages).toHaveLength(0);
  });

  it('checks a Basic-auth write key before reading the body', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/v1/track',
      headers: { authorization: basic('nope') },
      body: Buffer.from('{'),
    });
    expect(res.status).toBe(401);
  });

  it('refuses a request without any write key with 401', async () => {
    const h = await harness();
    const res = await h.call({ path: '/v1/track', headers: {}, body: example('segment', 'track') });
    expect(res.status).toBe(401);
    expect((res.json as { detail: string }).detail).toContain('write key is required');
  });

  it('decompresses a gzip body, as RudderStack sends it', async () => {
    const h = await harness();
    const batch = gzipSync(body({ batch: [message('track')] }));
    const res = await h.call({
      path: '/v1/batch',
      headers: { ...auth, 'content-encoding': 'gzip' },
      body: batch,
    });
    expect(res.status).toBe(200);
    expect(h.queue.messages).toHaveLength(1);
  });

  it('refuses a body that is not the gzip it claims with 400 invalid-encoding', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/v1/track',
      headers: { ...auth, 'content-encoding': 'gzip' },
      body: example('segment', 'track'),
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ type: 'urn:taglane:problem:invalid-encoding' });
  });

  it('refuses a gzip body that inflates past 500 KB with 413, without inflating all of it', async () => {
    const h = await harness();
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const res = await h.call({
      path: '/v1/batch',
      headers: { ...auth, 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect((res.json as { detail: string }).detail).toContain('512000');
  });

  it('refuses a br body with 415', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/v1/track',
      headers: { ...auth, 'content-encoding': 'br' },
      body: body({}),
    });
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ type: 'urn:taglane:problem:unsupported-encoding' });
  });

  it('refuses a single call over 32 KB with 413', async () => {
    const h = await harness();
    const big = { ...message('track'), properties: { blob: 'x'.repeat(33 * 1024) } };
    const res = await h.call({ path: '/v1/track', headers: auth, body: body(big) });
    expect(res.status).toBe(413);
    expect((res.json as { detail: string }).detail).toContain('32768');
  });

  it('refuses a batch with a message over 32 KB with 413 naming the message', async () => {
    const h = await harness();
    const big = { ...message('track'), properties: { blob: 'x'.repeat(33 * 1024) } };
    const res = await h.call({
      path: '/v1/batch',
      headers: auth,
      body: body({ batch: [message('page'), big] }),
    });
    expect(res.status).toBe(413);
    expect((res.json as { detail: string }).detail).toContain('$.batch[1]');
    expect(h.queue.messages).toHaveLength(0);
  });

  it('reports every invalid message of a batch with its path, queuing none', async () => {
    const h = await harness();
    const noIds = { type: 'track', event: 'Video Played', timestamp: '2024-09-12T08:17:30.000Z' };
    const badType = { type: 'purchase', userId: 'u1' };
    const res = await h.call({
      path: '/v1/batch',
      headers: auth,
      body: body({ batch: [message('page'), noIds, badType, { type: 'alias', userId: 'u1' }] }),
    });
    expect(res.status).toBe(400);
    expect((res.json as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      '$.batch[1]',
      '$.batch[2].type',
      '$.batch[3]',
    ]);
    expect(h.queue.messages).toHaveLength(0);
  });

  it('refuses a message whose type contradicts the route', async () => {
    const h = await harness();
    const res = await h.call({ path: '/v1/page', headers: auth, body: example('segment', 'track') });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ issues: [{ path: '$.type', message: 'expected "page", got "track"' }] });
  });

  it("corrects the event time for the sender's clock by receivedAt - sentAt", async () => {
    const h = await harness();
    // The sender's clock is one hour behind ours: its call 10 s before sending happened 10 s before NOW.
    const sentAt = NOW_MS - 3_600_000;
    const track = { ...message('track'), timestamp: new Date(sentAt - 10_000).toISOString() };
    const res = await h.call({
      path: '/v1/batch',
      headers: auth,
      body: body({ batch: [track], sentAt: new Date(sentAt) }),
    });
    expect(res.status).toBe(200);
    expect(h.queue.messages[0]?.params.cdt).toBe(String((NOW_MS - 10_000) / 1000));
  });

  it("prefers the caller's timestamp to the originalTimestamp RudderStack's SDK adds beside it", async () => {
    const h = await harness();
    const track = {
      ...message('track'),
      timestamp: new Date(NOW_MS - 60_000).toISOString(),
      originalTimestamp: new Date(NOW_MS).toISOString(),
      sentAt: new Date(NOW_MS).toISOString(),
    };
    const res = await h.call({ path: '/v1/track', headers: auth, body: body(track) });
    expect(res.status).toBe(200);
    expect(h.queue.messages[0]?.params.cdt).toBe(String((NOW_MS - 60_000) / 1000));
  });

  it('refuses a timestamp that is not ISO-8601 with its path', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/v1/track',
      headers: auth,
      body: body({ ...message('track'), timestamp: 'yesterday' }),
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ issues: [{ path: '$.timestamp' }] });
  });

  it('answers 405 with Allow for GET /v1/track and 404 for an unknown call', async () => {
    const h = await harness();
    const get = await h.call({ method: 'GET', path: '/v1/track', headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const unknown = await h.call({ path: '/v1/purchase', headers: auth, body: body({}) });
    expect(unknown.status).toBe(404);
  });

  it('keeps a Segment source off /webhooks/{source}', async () => {
    const h = await harness();
    const res = await h.call({ path: '/webhooks/segment', headers: auth, body: example('segment', 'track') });
    expect(res.status).toBe(404);
    expect((res.json as { detail: string }).detail).toContain('/v1/');
  });

  it('answers 503 and no success when the queue does not take the requests', async () => {
    const h = await harness();
    h.queue.failNext();
    const res = await h.call({ path: '/v1/track', headers: auth, body: example('segment', 'track') });
    expect(res.status).toBe(503);
    expect(res.json).not.toHaveProperty('success');
  });

  it('links an alias: the previous id is the anonymous key of the user', async () => {
    const h = await harness();
    const res = await h.call({ path: '/v1/alias', headers: auth, body: example('segment', 'alias') });
    expect(res.status).toBe(200);
    expect(h.queue.messages[0]?.visitor).toEqual({ key: 'user_8842', anonymousKey: 'anon_4f1d2c3b' });
  });
});
