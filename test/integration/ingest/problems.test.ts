import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIngestHandler, ingestDepsFromEnv } from '../../../functions/ingest/handler.ts';
import { type LocalSqs, startLocalSqs } from '../../support/sqs.ts';
import { apiEvent, lambdaContext, structured } from './lambda.ts';

const secrets = {
  TAGLANE_API_KEY: `key_${randomBytes(12).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
  GITHUB_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  SHOPIFY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
};
const signup = {
  id: 'evt_s1',
  type: 'signup',
  timestamp: 1726128930,
  userId: 'u_private_42',
  properties: {},
};
const noSku = {
  id: 'evt_c1',
  type: 'add_to_cart',
  timestamp: 1726128930,
  userId: 'u1',
  properties: { cart_total: 10, items: [{ name: 'Socks', price: 10, quantity: 1 }] },
};

let sqs: LocalSqs;
type Handler = ReturnType<typeof createIngestHandler>;
let handler: Handler;
let output: string[];

async function handlerFor(env: Record<string, string>, client = sqs.client): Promise<Handler> {
  const deps = await ingestDepsFromEnv(
    { TAGLANE_QUEUE_URL: sqs.queueUrl, ...secrets, ...env },
    { sqs: client },
  );
  return createIngestHandler(deps);
}

function postEvents(body: Buffer | string, headers: Record<string, string> = {}) {
  return apiEvent({
    path: '/events',
    query: { source: 'app' },
    headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY, ...headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  });
}

/** Invokes, then checks status, the RFC 9457 body, and that the queue is still empty. */
async function expectProblem(h: Handler, event: ReturnType<typeof apiEvent>, status: number, type: string) {
  const res = structured(await h(event, lambdaContext()));
  expect(res.statusCode).toBe(status);
  expect(res.headers?.['content-type']).toBe('application/problem+json');
  expect(res.json).toMatchObject({ type: `urn:taglane:problem:${type}`, status, title: expect.any(String) });
  expect(res.json.detail).toEqual(expect.any(String));
  expect(res.json.instance).toBe(`urn:taglane:request:${event.requestContext.requestId}`);
  expect(await sqs.drain()).toEqual([]);
  return res;
}

beforeAll(async () => {
  sqs = await startLocalSqs();
  handler = await handlerFor({});
});
afterAll(async () => {
  await sqs.stop();
});

describe('ingest Lambda problem responses (nothing is queued)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    // Logs never carry secret values or the raw body's personal data.
    for (const line of output) {
      for (const value of Object.values(secrets)) expect(line).not.toContain(value);
      expect(line).not.toContain('u_private_42');
    }
  });
  beforeAll(() => {
    output = [];
  });
  // Powertools writes info/warn to stdout and errors to stderr: both are read.
  const capture = () => {
    output = [];
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        output.push(String(chunk));
        return write(chunk);
      });
    }
  };

  it('400 for malformed JSON', async () => {
    capture();
    const res = await expectProblem(
      handler,
      postEvents('{"type": "signup", "userId": u_private_42}'),
      400,
      'invalid-json',
    );
    expect(res.body).not.toContain('u_private_42');
    expect(output.join('')).toContain('"reason":"invalid-json"');
  });

  it('400 for a body of the wrong shape, with JSON paths', async () => {
    const res = await expectProblem(handler, postEvents(JSON.stringify([signup, 'x'])), 400, 'invalid-shape');
    expect(res.json.issues).toEqual([{ path: '$[1]', message: 'expected an object, got a string' }]);
  });

  it('401 for a wrong API key, and for a Stripe signature made with another secret', async () => {
    capture();
    await expectProblem(
      handler,
      postEvents(JSON.stringify(signup), { 'x-api-key': 'nope' }),
      401,
      'unauthorized',
    );
    const body = JSON.stringify({ id: 'evt_1', type: 'checkout.session.completed', data: { object: {} } });
    const header = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({
      payload: body,
      secret: 'whsec_x',
    });
    const event = apiEvent({
      path: '/webhooks/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: Buffer.from(body),
    });
    await expectProblem(handler, event, 401, 'unauthorized');
  });

  it('404 for an unknown source and an unknown path', async () => {
    await expectProblem(
      handler,
      apiEvent({ path: '/webhooks/paypal', body: Buffer.from('{}') }),
      404,
      'unknown-source',
    );
    await expectProblem(handler, apiEvent({ method: 'GET', path: '/' }), 404, 'no-route');
  });

  it('405 for GET /events', async () => {
    const res = await expectProblem(
      handler,
      apiEvent({ method: 'GET', path: '/events' }),
      405,
      'method-not-allowed',
    );
    expect(res.headers?.allow).toBe('POST');
  });

  it('413 for a body over TAGLANE_MAX_BODY_BYTES and an array over TAGLANE_MAX_EVENTS', async () => {
    const small = await handlerFor({ TAGLANE_MAX_BODY_BYTES: '100', TAGLANE_MAX_EVENTS: '2' });
    await expectProblem(
      small,
      postEvents(JSON.stringify({ ...signup, pad: 'x'.repeat(200) })),
      413,
      'payload-too-large',
    );
    await expectProblem(small, postEvents(JSON.stringify([{}, {}, {}])), 413, 'payload-too-large');
  });

  it('415 for a form-encoded body', async () => {
    const event = postEvents('type=signup', { 'content-type': 'application/x-www-form-urlencoded' });
    await expectProblem(handler, event, 415, 'unsupported-media-type');
  });

  it('422 names the rule and field; the valid event of the same array is not queued either', async () => {
    const res = await expectProblem(handler, postEvents(JSON.stringify([signup, noSku])), 422, 'rule-failed');
    expect(res.json.issues).toEqual([
      expect.objectContaining({ path: '$[1]', rule: 'add to cart', field: 'track[0].cart.items' }),
    ]);
  });

  it('503 when the queue does not exist', async () => {
    const missing = await handlerFor({ TAGLANE_QUEUE_URL: sqs.queueUrl.replace(/taglane$/, 'missing') });
    capture();
    const res = await expectProblem(missing, postEvents(JSON.stringify(signup)), 503, 'queue-unavailable');
    expect(res.headers?.['retry-after']).toBeDefined();
    expect(output.join('')).toContain('QueueDoesNotExist');
  });

  it('503 when the SQS server is down', async () => {
    const down = await startLocalSqs();
    const url = down.queueUrl;
    const client = down.client;
    await down.stop();
    const deps = await ingestDepsFromEnv({ TAGLANE_QUEUE_URL: url, ...secrets }, { sqs: client });
    await expectProblem(
      createIngestHandler(deps),
      postEvents(JSON.stringify(signup)),
      503,
      'queue-unavailable',
    );
  });

  it('503 when SQS keeps reporting the entries as Failed after every retry', async () => {
    sqs.failNextBatches(4);
    const before = sqs.batchCalls();
    await expectProblem(handler, postEvents(JSON.stringify(signup)), 503, 'queue-unavailable');
    expect(sqs.batchCalls() - before).toBe(4);
  });
});
