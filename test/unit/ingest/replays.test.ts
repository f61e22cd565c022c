import { createHmac } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { apiKeyHeaders, example, harness, NOW_MS, secrets } from './harness.ts';

const nowS = NOW_MS / 1000;
const json = { 'content-type': 'application/json' };

/**
 * A replay: the captured signed bytes and signature sent again three times, each time with a
 * fresh value in every header the signature does not cover. The batcher drops a request id it
 * delivered before, so a replay is harmless exactly when it produces the same request ids.
 */
async function replayIds(
  path: string,
  body: Buffer,
  signed: Record<string, string>,
  unsigned: (n: number) => Record<string, string>,
): Promise<{ statuses: number[]; ids: string[][] }> {
  const h = await harness();
  const statuses: number[] = [];
  const ids: string[][] = [];
  for (let n = 0; n < 3; n += 1) {
    const before = h.queue.messages.length;
    const res = await h.call({ path, headers: { ...json, ...signed, ...unsigned(n) }, body });
    statuses.push(res.status);
    ids.push(h.queue.messages.slice(before).map((m) => m.id));
  }
  return { statuses, ids };
}

function expectSameIds(result: { statuses: number[]; ids: string[][] }): void {
  expect(result.statuses).toEqual([202, 202, 202]);
  expect(result.ids[0]?.length).toBeGreaterThan(0);
  expect(result.ids[1]).toEqual(result.ids[0]);
  expect(result.ids[2]).toEqual(result.ids[0]);
}

describe('replays of a captured request', () => {
  it('GitHub: a fresh X-GitHub-Delivery does not make the same signed body a new event', async () => {
    const body = example('github', 'star-created');
    const signature = await githubSign(secrets.GITHUB_WEBHOOK_SECRET, body.toString());
    const result = await replayIds('/webhooks/github', body, { 'x-hub-signature-256': signature }, (n) => ({
      'x-github-delivery': `replay-${n}`,
      'x-github-event': 'star',
    }));
    expectSameIds(result);
  });

  it('Shopify: a fresh X-Shopify-Webhook-Id does not make the same signed body a new event', async () => {
    const body = example('shopify', 'orders-create');
    const hmac = createHmac('sha256', secrets.SHOPIFY_WEBHOOK_SECRET).update(body).digest('base64');
    const result = await replayIds('/webhooks/shopify', body, { 'x-shopify-hmac-sha256': hmac }, (n) => ({
      'x-shopify-webhook-id': `replay-${n}`,
      'x-shopify-event-id': `event-${n}`,
      'x-shopify-triggered-at': new Date(NOW_MS + n * 1000).toISOString(),
    }));
    expectSameIds(result);
  });

  it('Stripe: the signed event id identifies a replay inside the tolerance', async () => {
    const body = example('stripe', 'checkout-session-completed');
    const header = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({
      payload: body.toString('utf8'),
      secret: secrets.STRIPE_WEBHOOK_SECRET,
      timestamp: nowS,
    });
    const result = await replayIds('/webhooks/stripe', body, { 'stripe-signature': header }, () => ({}));
    expectSameIds(result);
  });

  it('Standard Webhooks: webhook-id is signed, so a replay keeps its identity', async () => {
    const body = Buffer.from(JSON.stringify({ type: 'user.created', data: { user: 'u_1' } }));
    const signature = new Webhook(secrets.SVIX_SECRET).sign('msg_1', new Date(NOW_MS), body);
    const signed = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(nowS),
      'webhook-signature': signature,
    };
    expectSameIds(await replayIds('/webhooks/svix', body, signed, () => ({})));
  });

  it('generic HMAC: a replay of the signed timestamp and body keeps its identity', async () => {
    const body = Buffer.from(JSON.stringify({ kind: 'order', customer: 'c_1', total: 12.5 }));
    const digest = createHmac('sha256', secrets.ACME_SECRET).update(`${nowS}.`).update(body).digest('hex');
    const signed = { 'x-acme-signature': `sha256=${digest}`, 'x-acme-timestamp': String(nowS) };
    expectSameIds(await replayIds('/webhooks/acme', body, signed, (n) => ({ 'x-request-id': `r-${n}` })));
  });

  it('API key: the same body sent again is the same event', async () => {
    const body = example('app', 'page-view');
    const result = await replayIds('/events', body, apiKeyHeaders(), (n) => ({ 'x-request-id': `r-${n}` }));
    expectSameIds(result);
  });
});
