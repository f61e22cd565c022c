import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { sign as githubSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler, ingestDepsFromEnv } from '../../../functions/ingest/handler.ts';
import { bodyHashId } from '../../../src/ingest/identity.ts';
import { requestsOf } from '../../../src/tracking/queued-pack.ts';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { type LocalSqs, startLocalSqs } from '../../support/sqs.ts';
import { apiEvent, lambdaContext, structured } from './lambda.ts';

const secrets = {
  TAGLANE_API_KEY: `key_${randomBytes(12).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
  GITHUB_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  SHOPIFY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
};
const stripe = new Stripe('sk_test_unused');
// GitHub's own example payloads (a JSON package; its typings do not describe the default export under NodeNext).
const webhookExamples = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
  name: string;
  examples: { action?: string }[];
}[];

let sqs: LocalSqs;
type Handler = ReturnType<typeof createIngestHandler>;
let handler: Handler;

async function handlerFor(env: Record<string, string>): Promise<Handler> {
  const deps = await ingestDepsFromEnv(
    { TAGLANE_RULES_DIR: 'rules', TAGLANE_QUEUE_URL: sqs.queueUrl, ...secrets, ...env },
    { sqs: sqs.client },
  );
  return createIngestHandler(deps);
}

async function invoke(h: Handler, event: ReturnType<typeof apiEvent>) {
  return structured(await h(event, lambdaContext()));
}

beforeAll(async () => {
  sqs = await startLocalSqs();
  handler = await handlerFor({});
});
afterAll(async () => {
  await sqs.stop();
});

describe('ingest Lambda handler with local SQS', () => {
  it('queues through aws-lite, as the deployed ingest does, though handed an SDK client', async () => {
    const before = sqs.batchUserAgents().length;
    const res = await invoke(
      handler,
      apiEvent({
        path: '/events',
        query: { source: 'app' },
        headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
        body: Buffer.from(
          JSON.stringify({ id: 'lite-1', type: 'signup', timestamp: 1726128930, userId: 'u1' }),
        ),
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(sqs.batchUserAgents().slice(before)).toEqual(['taglane-aws-lite']);
    const queued = (await sqs.drain()).flatMap((m) =>
      requestsOf(JSON.parse(m.Body ?? '')).map((r) => QueuedRequestSchema.parse(r).eventId),
    );
    expect(queued).toEqual(['lite-1']);
  });

  it('verifies a base64-encoded Stripe webhook over its exact bytes and queues valid requests', async () => {
    const body = Buffer.from(
      JSON.stringify({ ...stripeCheckout(), note: 'caf\u00e9 \u2713' }, null, 3), // non-ASCII, odd spacing
    );
    const header = stripe.webhooks.generateTestHeaderString({
      payload: body.toString('utf8'),
      secret: secrets.STRIPE_WEBHOOK_SECRET,
    });
    const res = await invoke(
      handler,
      apiEvent({
        path: '/webhooks/stripe',
        routeKey: 'POST /webhooks/{source}',
        pathParameters: { source: 'stripe' },
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header },
        body,
        base64: true,
      }),
    );
    expect(res.statusCode).toBe(202);
    // The event's requests share a delay, so they travel in one message (a pack).
    const messages = await sqs.drain();
    expect(messages).toHaveLength(1);
    const requests = requestsOf(JSON.parse(messages[0]?.Body ?? '')).map((r) => QueuedRequestSchema.parse(r));
    expect(requests).toHaveLength(res.json.requests as number);
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests)
      expect(request).toMatchObject({ source: 'stripe', eventId: 'evt_test_checkout' });
    expect(messages[0]?.MessageAttributes?.source?.StringValue).toBe('stripe');
    expect(messages[0]?.MessageAttributes?.requests?.StringValue).toBe(String(requests.length));
  });

  it('queues a real GitHub star payload from @octokit/webhooks-examples', async () => {
    const example = webhookExamples
      .find((e) => e.name === 'star')
      ?.examples.find((e) => e.action === 'created');
    const body = Buffer.from(JSON.stringify(example));
    const res = await invoke(
      handler,
      apiEvent({
        path: '/webhooks/github',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'star',
          'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          'x-hub-signature-256': await githubSign(secrets.GITHUB_WEBHOOK_SECRET, body.toString()),
        },
        body,
      }),
    );
    expect(res.statusCode).toBe(202);
    const [message, ...rest] = await sqs.drain();
    expect(rest).toHaveLength(0);
    const request = QueuedRequestSchema.parse(JSON.parse(message?.Body ?? ''));
    // X-GitHub-Delivery is not signed, so the event is identified by its signed body.
    expect(request).toMatchObject({ rule: 'star created', eventId: bodyHashId(body) });
    expect(request.params.e_a).toBe('Star');
  });

  it('queues every request of an event array and answers the summed counts', async () => {
    const events = [
      { id: 'e1', type: 'signup', timestamp: 1726128930, userId: 'u1', properties: { plan: 'pro' } },
      { id: 'e2', type: 'newsletter_opened', timestamp: 1726128931, userId: 'u1' },
      {
        id: 'e3',
        type: 'page_view',
        timestamp: 1726128932,
        anonymousId: 'a1',
        properties: { url: 'https://x.test/' },
      },
    ];
    const res = await invoke(
      handler,
      apiEvent({
        path: '/events',
        query: { source: 'app' },
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.TAGLANE_API_KEY}` },
        body: Buffer.from(JSON.stringify(events)),
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(res.json).toMatchObject({ accepted: 3, matched: 2, requests: 2, ignored: 1 });
    const queued = (await sqs.drain()).flatMap((m) =>
      requestsOf(JSON.parse(m.Body ?? '')).map((r) => QueuedRequestSchema.parse(r)),
    );
    expect(queued.map((r) => r.eventId).sort()).toEqual(['e1', 'e3']);
  });

  it('answers 202 when SQS fails the entries twice and the retries get them through', async () => {
    sqs.failNextBatches(2);
    const res = await invoke(
      handler,
      apiEvent({
        path: '/events',
        headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
        body: Buffer.from(
          JSON.stringify({ id: 'retry-1', type: 'signup', timestamp: 1726128930, userId: 'u9' }),
        ),
      }),
    );
    expect(res.statusCode).toBe(202);
    const messages = await sqs.drain();
    expect(messages.map((m) => QueuedRequestSchema.parse(JSON.parse(m.Body ?? '')).eventId)).toEqual([
      'retry-1',
    ]);
  });

  it('answers GET /health', async () => {
    const res = await invoke(handler, apiEvent({ method: 'GET', path: '/health' }));
    expect(res.statusCode).toBe(200);
    expect(res.json.status).toBe('ok');
  });
});

function stripeCheckout(): Record<string, unknown> {
  return {
    id: 'evt_test_checkout',
    object: 'event',
    created: 1723203011,
    type: 'checkout.session.completed',
    data: {
      object: {
        id: 'cs_test_1',
        object: 'checkout.session',
        amount_subtotal: 4900,
        amount_total: 5390,
        currency: 'eur',
        customer: 'cus_test_1',
        mode: 'payment',
        payment_status: 'paid',
        total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 490 },
      },
    },
  };
}
