import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sign as githubSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';

/** Secrets the end-to-end tests configure; random per run. */
export type E2eSecrets = Readonly<{
  TAGLANE_API_KEY: string;
  SEGMENT_WRITE_KEY: string;
  STRIPE_WEBHOOK_SECRET: string;
  GITHUB_WEBHOOK_SECRET: string;
  SHOPIFY_WEBHOOK_SECRET: string;
  MATOMO_TOKEN: string;
}>;

/** Fresh random secrets, so no test depends on a value written down anywhere. */
export function newSecrets(): E2eSecrets {
  const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
  return {
    TAGLANE_API_KEY: `key_${hex(12)}`,
    SEGMENT_WRITE_KEY: hex(16),
    STRIPE_WEBHOOK_SECRET: `whsec_${hex(16)}`,
    GITHUB_WEBHOOK_SECRET: hex(16),
    SHOPIFY_WEBHOOK_SECRET: hex(16),
    MATOMO_TOKEN: hex(16),
  };
}

const stripe = new Stripe('sk_test_unused');

/** Reads a shipped example payload (`rules/examples/<source>/<name>.json`) as exact bytes. */
export function example(source: string, name: string): Promise<string> {
  return readFile(`rules/examples/${source}/${name}.json`, 'utf8');
}

/** What the local API answered. */
export interface Answer {
  readonly status: number;
  readonly body: { readonly requests?: number; readonly [key: string]: unknown };
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** A Stripe webhook signed by Stripe's own library. */
export function sendStripe(base: string, secrets: E2eSecrets, payload: string): Promise<Answer> {
  const signature = stripe.webhooks.generateTestHeaderString({
    payload,
    secret: secrets.STRIPE_WEBHOOK_SECRET,
  });
  return post(`${base}/webhooks/stripe`, { 'stripe-signature': signature }, payload);
}

/** A GitHub webhook signed by @octokit/webhooks-methods, with GitHub's delivery headers. */
export async function sendGithub(
  base: string,
  secrets: E2eSecrets,
  event: string,
  payload: string,
): Promise<Answer> {
  const signature = await githubSign(secrets.GITHUB_WEBHOOK_SECRET, payload);
  return post(
    `${base}/webhooks/github`,
    { 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature },
    payload,
  );
}

/**
 * A Shopify webhook signed as Shopify documents it: base64 HMAC-SHA256 of the raw body with
 * the app's client secret in `X-Shopify-Hmac-Sha256` (Shopify has no Node signing helper).
 */
export function sendShopify(
  base: string,
  secrets: E2eSecrets,
  topic: string,
  payload: string,
): Promise<Answer> {
  const hmac = createHmac('sha256', secrets.SHOPIFY_WEBHOOK_SECRET).update(payload, 'utf8').digest('base64');
  return post(
    `${base}/webhooks/shopify`,
    {
      'x-shopify-hmac-sha256': hmac,
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-shop-domain': 'example.myshopify.com',
    },
    payload,
  );
}

/** App events (one or an array) with the API key. */
export function sendApp(base: string, secrets: E2eSecrets, events: unknown): Promise<Answer> {
  return post(`${base}/events?source=app`, { 'x-api-key': secrets.TAGLANE_API_KEY }, JSON.stringify(events));
}
