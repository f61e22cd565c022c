import { createHmac } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { bodyHashId } from '../../../src/ingest/identity.ts';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { example, harness, NOW_MS, secrets } from './harness.ts';

const nowS = NOW_MS / 1000;
const stripe = new Stripe('sk_test_unused');
const json = { 'content-type': 'application/json' };

function stripeHeaders(body: Buffer, timestamp = nowS): Record<string, string> {
  const header = stripe.webhooks.generateTestHeaderString({
    payload: body.toString('utf8'),
    secret: secrets.STRIPE_WEBHOOK_SECRET,
    timestamp,
  });
  return { ...json, 'stripe-signature': header };
}

describe('POST /webhooks/{source}', () => {
  it('queues a Stripe event signed by the Stripe SDK, identified by the event id', async () => {
    const h = await harness();
    const body = example('stripe', 'checkout-session-completed');
    const res = await h.call({ path: '/webhooks/stripe', headers: stripeHeaders(body), body });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accepted: 1, matched: 1, ignored: 0 });
    const eventId = JSON.parse(body.toString()).id;
    expect(h.queue.messages.length).toBe((res.json as { requests: number }).requests);
    for (const message of h.queue.messages) {
      expect(QueuedRequestSchema.parse(message)).toMatchObject({ source: 'stripe', eventId });
    }
  });

  it('refuses a Stripe event whose body changed after signing, and queues nothing', async () => {
    const h = await harness();
    const body = example('stripe', 'checkout-session-completed');
    const tampered = Buffer.from(body.toString().replace('5390', '1'));
    const res = await h.call({ path: '/webhooks/stripe', headers: stripeHeaders(body), body: tampered });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ type: 'urn:taglane:problem:unauthorized' });
    expect(h.queue.messages).toHaveLength(0);
  });

  it('refuses a Stripe signature older than the tolerance', async () => {
    const h = await harness();
    const body = example('stripe', 'checkout-session-completed');
    const res = await h.call({ path: '/webhooks/stripe', headers: stripeHeaders(body, nowS - 600), body });
    expect(res.status).toBe(401);
    expect((res.json as { detail: string }).detail).toContain('tolerance');
    expect(h.queue.messages).toHaveLength(0);
  });

  it('queues a GitHub event under the hash of its signed body, not the unsigned X-GitHub-Delivery', async () => {
    const h = await harness();
    const body = example('github', 'star-created');
    const signature = await githubSign(secrets.GITHUB_WEBHOOK_SECRET, body.toString());
    const headers = {
      ...json,
      'x-hub-signature-256': signature,
      'x-github-delivery': 'd-123',
      'x-github-event': 'star',
    };
    const res = await h.call({ path: '/webhooks/github', headers, body });
    expect(res.status).toBe(202);
    expect(h.queue.messages.map((m) => m.eventId)).toEqual([bodyHashId(body)]);
  });

  it('verifies a Shopify order over the raw bytes and identifies it by the signed body', async () => {
    const h = await harness();
    const body = example('shopify', 'orders-create');
    const hmac = createHmac('sha256', secrets.SHOPIFY_WEBHOOK_SECRET).update(body).digest('base64');
    const headers = { ...json, 'x-shopify-hmac-sha256': hmac, 'x-shopify-webhook-id': 'wh-9' };
    const res = await h.call({ path: '/webhooks/shopify', headers, body });
    expect(res.status).toBe(202);
    expect(h.queue.messages.length).toBeGreaterThan(0);
    expect(new Set(h.queue.messages.map((m) => m.eventId))).toEqual(new Set([bodyHashId(body)]));
  });

  it('queues a Standard Webhooks event under its webhook-id', async () => {
    const h = await harness();
    const body = Buffer.from(JSON.stringify({ type: 'user.created', data: { user: 'u_1' } }));
    const signature = new Webhook(secrets.SVIX_SECRET).sign('msg_1', new Date(NOW_MS), body);
    const headers = {
      ...json,
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(nowS),
      'webhook-signature': signature,
    };
    const res = await h.call({ path: '/webhooks/svix', headers, body });
    expect(res.status).toBe(202);
    expect(h.queue.messages.map((m) => [m.eventId, m.rule])).toEqual([['msg_1', 'user created']]);
  });

  it('queues a generic HMAC event and falls back to the body hash for its identity', async () => {
    const h = await harness();
    const body = Buffer.from(JSON.stringify({ kind: 'order', customer: 'c_1', total: 12.5 }));
    const digest = createHmac('sha256', secrets.ACME_SECRET).update(`${nowS}.`).update(body).digest('hex');
    const headers = { ...json, 'x-acme-signature': `sha256=${digest}`, 'x-acme-timestamp': String(nowS) };
    const res = await h.call({ path: '/webhooks/acme', headers, body });
    expect(res.status).toBe(202);
    expect(h.queue.messages[0]?.eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(h.queue.messages[0]?.params.e_v).toBe('12.5');
  });

  it('acknowledges a verified event no rule matches without queuing anything', async () => {
    const h = await harness();
    const body = example('stripe', 'customer-created');
    const res = await h.call({ path: '/webhooks/stripe', headers: stripeHeaders(body), body });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accepted: 1, matched: 0, requests: 0, ignored: 1 });
    expect(h.queue.messages).toHaveLength(0);
  });

  it('refuses a missing signature header with 401 and a non-object body with 400', async () => {
    const h = await harness();
    const body = example('github', 'star-created');
    const missing = await h.call({ path: '/webhooks/github', headers: json, body });
    expect(missing.status).toBe(401);
    const array = Buffer.from('[1]');
    const signature = await githubSign(secrets.GITHUB_WEBHOOK_SECRET, '[1]');
    const res = await h.call({
      path: '/webhooks/github',
      headers: { ...json, 'x-hub-signature-256': signature },
      body: array,
    });
    expect(res.status).toBe(400);
    expect(h.queue.messages).toHaveLength(0);
  });
});
