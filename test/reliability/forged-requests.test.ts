import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type HttpAnswer,
  type IngestRig,
  ingestRig,
  isProblem,
  NOW_MS,
  secrets,
  stripeSignature,
} from './support/ingest-harness.ts';

const NOW = NOW_MS / 1000;
const JSON_TYPE = { 'content-type': 'application/json' };
const stripeBody = readFileSync('rules/examples/stripe/checkout-session-completed.json');
const githubBody = readFileSync('rules/examples/github/star-created.json');
const shopifyBody = readFileSync('rules/examples/shopify/orders-create.json');
const svixBody = Buffer.from(JSON.stringify({ type: 'user.created', data: { user: 'u_1' } }));
const acmeBody = Buffer.from(JSON.stringify({ kind: 'order', customer: 'c_1', total: 12 }));
const otherSecret = `whsec_${randomBytes(16).toString('hex')}`;

let rig: IngestRig;
beforeAll(async () => {
  rig = await ingestRig();
});

/** Sends and checks: 401 problem, nothing queued, nothing about the secret in the answer. */
async function refused(path: string, headers: Record<string, string>, body: Buffer): Promise<HttpAnswer> {
  const before = rig.queue.messages.length;
  const answer = await rig.call({ path, headers: { ...JSON_TYPE, ...headers }, body });
  expect(answer.status, answer.body).toBe(401);
  expect(isProblem(answer)).toBe(true);
  expect(rig.queue.messages.length).toBe(before);
  for (const value of Object.values(secrets)) expect(answer.body).not.toContain(value);
  return answer;
}

async function accepted(path: string, headers: Record<string, string>, body: Buffer): Promise<void> {
  const answer = await rig.call({ path, headers: { ...JSON_TYPE, ...headers }, body });
  expect(answer.status, answer.body).toBe(202);
}

/** The same JSON with one byte more: meaning unchanged, signature no longer valid. */
const tamper = (body: Buffer): Buffer => {
  const changed = Buffer.from(body.toString().replace('{', '{ '));
  expect(changed.equals(body)).toBe(false);
  return changed;
};

describe('forged Stripe webhooks (signed with the stripe SDK)', () => {
  const path = '/webhooks/stripe';
  it('accepts the genuine delivery (control)', async () => {
    await accepted(path, { 'stripe-signature': stripeSignature(stripeBody) }, stripeBody);
  });
  it('refuses a body changed after signing', async () => {
    await refused(path, { 'stripe-signature': stripeSignature(stripeBody) }, tamper(stripeBody));
  });
  it('refuses a signature made with another secret', async () => {
    await refused(
      path,
      { 'stripe-signature': stripeSignature(stripeBody, { secret: otherSecret }) },
      stripeBody,
    );
  });
  it.each([
    ['301 s in the past', -301],
    ['a day in the past', -86_400],
    ['301 s in the future', 301],
    ['a day in the future', 86_400],
  ])('refuses a timestamp %s', async (_label, offset) => {
    const header = stripeSignature(stripeBody, { timestamp: NOW + offset });
    const answer = await refused(path, { 'stripe-signature': header }, stripeBody);
    expect(JSON.parse(answer.body).detail).toMatch(/tolerance|timestamp/i);
  });
  it('refuses the replay of a valid delivery captured 10 minutes ago', async () => {
    const captured = stripeSignature(stripeBody, { timestamp: NOW - 600 });
    await refused(path, { 'stripe-signature': captured }, stripeBody);
  });
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['no v1', `t=${NOW}`],
    ['no timestamp', 'v1=abcdef'],
    ['v0 scheme only', `t=${NOW},v0=${'0'.repeat(64)}`],
    ['non-hex signature', `t=${NOW},v1=zz`],
    ['garbage', 'not a signature at all'],
  ])('refuses a %s Stripe-Signature header', async (_label, value) => {
    await refused(path, value === undefined ? {} : { 'stripe-signature': value }, stripeBody);
  });
});

describe('forged GitHub webhooks (signed with @octokit/webhooks-methods)', () => {
  const path = '/webhooks/github';
  const base = { 'x-github-event': 'star', 'x-github-delivery': 'forged-1' };
  it('accepts the genuine delivery (control)', async () => {
    const sig = await githubSign(secrets.GITHUB_WEBHOOK_SECRET, githubBody.toString());
    await accepted(path, { ...base, 'x-hub-signature-256': sig }, githubBody);
  });
  it('refuses a tampered body, a wrong secret and missing or malformed signatures', async () => {
    const good = await githubSign(secrets.GITHUB_WEBHOOK_SECRET, githubBody.toString());
    await refused(path, { ...base, 'x-hub-signature-256': good }, tamper(githubBody));
    const wrong = await githubSign(otherSecret, githubBody.toString());
    await refused(path, { ...base, 'x-hub-signature-256': wrong }, githubBody);
    await refused(path, base, githubBody);
    await refused(path, { ...base, 'x-hub-signature-256': good.replace('sha256=', '') }, githubBody);
    await refused(path, { ...base, 'x-hub-signature-256': good.replace('sha256=', 'sha1=') }, githubBody);
    await refused(path, { ...base, 'x-hub-signature-256': `${good.slice(0, -2)}` }, githubBody);
  });
});

describe('forged Shopify webhooks', () => {
  const path = '/webhooks/shopify';
  const sign = (secret: string, body: Buffer): string =>
    createHmac('sha256', secret).update(body).digest('base64');
  it('refuses a tampered body, a wrong secret, a hex digest and a missing header', async () => {
    const base = { 'x-shopify-webhook-id': 'forged-s1' };
    await accepted(
      path,
      { ...base, 'x-shopify-hmac-sha256': sign(secrets.SHOPIFY_WEBHOOK_SECRET, shopifyBody) },
      shopifyBody,
    );
    await refused(
      path,
      { ...base, 'x-shopify-hmac-sha256': sign(secrets.SHOPIFY_WEBHOOK_SECRET, shopifyBody) },
      tamper(shopifyBody),
    );
    await refused(path, { ...base, 'x-shopify-hmac-sha256': sign(otherSecret, shopifyBody) }, shopifyBody);
    const hex = createHmac('sha256', secrets.SHOPIFY_WEBHOOK_SECRET).update(shopifyBody).digest('hex');
    await refused(path, { ...base, 'x-shopify-hmac-sha256': hex }, shopifyBody);
    await refused(path, base, shopifyBody);
  });
});

describe('forged Standard Webhooks (signed with the standardwebhooks library)', () => {
  const path = '/webhooks/svix';
  const headers = (at: number, key = secrets.SVIX_SECRET, body = svixBody): Record<string, string> => ({
    'webhook-id': 'msg_forged',
    'webhook-timestamp': String(at),
    'webhook-signature': new Webhook(key).sign('msg_forged', new Date(at * 1000), body.toString()),
  });
  it('accepts the genuine delivery and refuses every forgery', async () => {
    await accepted(path, headers(NOW), svixBody);
    await refused(path, headers(NOW), tamper(Buffer.from(svixBody.toString().replace('u_1', 'u_2'))));
    await refused(path, headers(NOW, `whsec_${randomBytes(24).toString('base64')}`), svixBody);
    await refused(path, headers(NOW - 301), svixBody);
    await refused(path, headers(NOW + 301), svixBody);
    await refused(path, { ...headers(NOW), 'webhook-signature': 'v1,not-base64!' }, svixBody);
    await refused(path, { ...headers(NOW), 'webhook-timestamp': 'soon' }, svixBody);
    await refused(path, {}, svixBody);
  });
});

describe('forged generic HMAC webhooks with a timestamp header', () => {
  const path = '/webhooks/acme';
  const headers = (at: number, secret = secrets.ACME_SECRET): Record<string, string> => ({
    'x-acme-timestamp': String(at),
    'x-acme-signature': `sha256=${createHmac('sha256', secret).update(`${at}.`).update(acmeBody).digest('hex')}`,
  });
  it('accepts the genuine delivery and refuses every forgery', async () => {
    await accepted(path, headers(NOW), acmeBody);
    await refused(path, headers(NOW), Buffer.from(acmeBody.toString().replace('12', '1200')));
    await refused(path, headers(NOW, otherSecret), acmeBody);
    await refused(path, headers(NOW - 3600), acmeBody);
    await refused(path, headers(NOW + 3600), acmeBody);
    // The timestamp is signed: moving it forward to pass the window breaks the signature.
    await refused(path, { ...headers(NOW - 3600), 'x-acme-timestamp': String(NOW) }, acmeBody);
    await refused(path, { 'x-acme-timestamp': String(NOW) }, acmeBody);
  });
});

describe('forged API-key requests', () => {
  it('refuses a wrong, missing or malformed key', async () => {
    const body = Buffer.from(
      JSON.stringify({ type: 'page_view', anonymousId: 'a', properties: { url: 'https://e.example/' } }),
    );
    const at = (headers: Record<string, string>) =>
      rig.call({ path: '/events', query: { source: 'app' }, headers: { ...JSON_TYPE, ...headers }, body });
    for (const headers of [
      {},
      { 'x-api-key': 'key_guess' },
      { authorization: `Basic ${secrets.TAGLANE_API_KEY}` },
      { 'x-api-key': secrets.HOSTILE_API_KEY },
    ]) {
      const answer = await at(headers);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toContain('Bearer');
    }
  });
});
