import { describe, expect, it } from 'vitest';
import { apiKeyHeaders, example, type Harness, harness, secrets } from './harness.ts';

const signup = example('app', 'signup');
const noSku = example('app', 'add-to-cart-no-sku');

type Response = Awaited<ReturnType<Harness['call']>>;

/** Status, RFC 9457 body, media type, no secret in it, and nothing queued. */
function expectProblem(h: Harness, res: Response, status: number, type: string): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.json).toMatchObject({
    type: `urn:taglane:problem:${type}`,
    status,
    instance: 'urn:taglane:request:req-1',
  });
  const body = res.json as Record<string, unknown>;
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  for (const value of Object.values(secrets)) expect(res.body).not.toContain(value);
  expect(h.queue.messages).toHaveLength(0);
  return body;
}

describe('ingest problem responses', () => {
  it('400: names the line and column of bad JSON without echoing the body', async () => {
    const h = await harness();
    const body = Buffer.from('{\n  "type": "signup",\n  "userId": user_secret_value\n}');
    const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body });
    const problem = expectProblem(h, res, 400, 'invalid-json');
    expect(problem.detail).toContain('line 3');
    expect(res.body).not.toContain('user_secret_value');
  });

  it('400: lists every array element that is not an object, with its JSON path', async () => {
    const h = await harness();
    const body = Buffer.from(`[${signup.toString()}, 42, null]`);
    const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body });
    const problem = expectProblem(h, res, 400, 'invalid-shape');
    expect(problem.issues).toEqual([
      { path: '$[1]', message: 'expected an object, got a number' },
      { path: '$[2]', message: 'expected an object, got null' },
    ]);
  });

  it('400: refuses an empty body, an empty array and a bare string', async () => {
    const h = await harness();
    for (const text of ['', '[]', '"signup"']) {
      const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body: Buffer.from(text) });
      expect(res.status).toBe(400);
    }
    expect(h.queue.messages).toHaveLength(0);
  });

  it('400: refuses a body that is not UTF-8', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/events',
      headers: apiKeyHeaders(),
      body: Buffer.from([0x7b, 0xff, 0x7d]),
    });
    expectProblem(h, res, 400, 'invalid-json');
  });

  it('401: refuses a missing API key with a Bearer challenge', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/events',
      headers: { 'content-type': 'application/json' },
      body: signup,
    });
    expectProblem(h, res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toContain('Bearer');
  });

  it('401: refuses a wrong API key', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/events',
      headers: apiKeyHeaders({ 'x-api-key': 'wrong' }),
      body: signup,
    });
    expectProblem(h, res, 401, 'unauthorized');
  });

  it('401 comes before parsing: an unauthenticated bad body learns nothing about the body', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/events',
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from('{'),
    });
    expectProblem(h, res, 401, 'unauthorized');
  });

  it('404: unknown source, and a webhook source posted to /events', async () => {
    const h = await harness();
    const unknown = await h.call({
      path: '/events',
      query: { source: 'nope' },
      headers: apiKeyHeaders(),
      body: signup,
    });
    expectProblem(h, unknown, 404, 'unknown-source');
    const webhook = await h.call({
      path: '/events',
      query: { source: 'stripe' },
      headers: apiKeyHeaders(),
      body: signup,
    });
    const problem = expectProblem(h, webhook, 404, 'unknown-source');
    expect(problem.detail).toContain('/webhooks/stripe');
    const hook = await h.call({ path: '/webhooks/unknown', headers: apiKeyHeaders(), body: signup });
    expectProblem(h, hook, 404, 'unknown-source');
  });

  it('404: unknown path', async () => {
    const h = await harness();
    expectProblem(h, await h.call({ path: '/admin' }), 404, 'no-route');
  });

  it('405: wrong method on a known route, with Allow', async () => {
    const h = await harness();
    const res = await h.call({ method: 'GET', path: '/events' });
    expectProblem(h, res, 405, 'method-not-allowed');
    expect(res.headers.allow).toBe('POST');
    const health = await h.call({ method: 'DELETE', path: '/health' });
    expect(health.headers.allow).toBe('GET, HEAD');
  });

  it('413: a body over the byte limit', async () => {
    const h = await harness({ limits: { maxBodyBytes: 64 } });
    const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body: signup });
    const problem = expectProblem(h, res, 413, 'payload-too-large');
    expect(problem.detail).toContain(`${signup.length} bytes`);
  });

  it('413: more events than the array limit', async () => {
    const h = await harness({ limits: { maxEvents: 2 } });
    const body = Buffer.from(`[${signup},${signup},${signup}]`);
    const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body });
    expectProblem(h, res, 413, 'payload-too-large');
  });

  it('415: a body not declared as JSON', async () => {
    const h = await harness();
    const res = await h.call({
      path: '/events',
      headers: apiKeyHeaders({ 'content-type': 'text/plain' }),
      body: signup,
    });
    expectProblem(h, res, 415, 'unsupported-media-type');
    expect(res.headers['accept-post']).toBe('application/json');
  });

  it('422: names the rule and field, and queues nothing of an array when one event fails', async () => {
    const h = await harness();
    const body = Buffer.from(`[${signup}, ${noSku}]`);
    const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body });
    const problem = expectProblem(h, res, 422, 'rule-failed');
    expect(problem.issues).toEqual([
      expect.objectContaining({ path: '$[1]', rule: 'add to cart', field: 'track[0].cart.items' }),
    ]);
    expect(problem.detail).toContain('add to cart');
  });

  it('503: the queue refused, so the sender must retry', async () => {
    const h = await harness();
    h.queue.failNext();
    const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body: signup });
    expectProblem(h, res, 503, 'queue-unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    const retry = await h.call({ path: '/events', headers: apiKeyHeaders(), body: signup });
    expect(retry.status).toBe(202);
    expect(h.queue.messages).toHaveLength(1);
  });

  it('500: a source whose secret is not configured; the detail names nothing internal', async () => {
    const h = await harness();
    const deps = { ...h.deps, secrets: { get: async () => undefined } };
    const { ingest } = await import('../../../src/ingest/index.ts');
    const res = await ingest(
      { method: 'POST', path: '/events', query: {}, headers: apiKeyHeaders(), body: signup, requestId: 'r' },
      deps,
    );
    expect(res.status).toBe(500);
    expect(res.body).not.toContain('TAGLANE_API_KEY');
    expect(JSON.parse(res.body)).toMatchObject({
      type: 'urn:taglane:problem:misconfigured',
      detail: 'Server misconfigured',
    });
    expect(h.queue.messages).toHaveLength(0);
  });
});

describe('GET /health', () => {
  it('answers 200 without authentication', async () => {
    const h = await harness();
    const res = await h.call({ method: 'GET', path: '/health' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'ok' });
  });
});
