import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Paddle } from '@paddle/paddle-node-sdk';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type IngestDeps, ingest, MemoryQueue } from '../../../src/ingest/index.ts';
import { compileRuleSet, type RuleSet } from '../../../src/rules/index.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { ruleSecrets, shippedRulesWith } from '../../support/test-rules.ts';
import { example } from './harness.ts';

// Each vendor's documented signing method, written here from the vendor's docs and independent
// of src/auth, so the test catches a template that signs the wrong bytes.
const hex = (key: string, data: string | Buffer): string =>
  createHmac('sha256', key).update(data).digest('hex');

/** Paddle Billing: Paddle-Signature "ts=<unix s>;h1=<hex HMAC-SHA256 of "ts:body">", one h1 per active key. */
function paddleSignature(body: Buffer, keys: readonly string[], ts: number): string {
  return [`ts=${ts}`, ...keys.map((key) => `h1=${hex(key, `${ts}:${body.toString('utf8')}`)}`)].join(';');
}

/** Lemon Squeezy: X-Signature = hex HMAC-SHA256 of the raw body. */
const lemonSignature = (body: Buffer, key: string): string => hex(key, body);

/** Slack: X-Slack-Signature = "v0=" + hex HMAC-SHA256 of "v0:<X-Slack-Request-Timestamp>:<body>". */
const slackSignature = (body: Buffer, key: string, ts: number): string =>
  `v0=${hex(key, `v0:${ts}:${body.toString('utf8')}`)}`;

const nowS = (): number => Math.floor(Date.now() / 1000);

async function post(
  rules: RuleSet,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  env: Readonly<Record<string, string>> = ruleSecrets,
) {
  const queue = new MemoryQueue();
  const deps: IngestDeps = {
    rules,
    queue,
    secrets: new EnvSecretSource(env),
    clock: () => Date.now(),
    limits: DEFAULT_LIMITS,
  };
  const res = await ingest(
    {
      method: 'POST',
      path,
      query: {},
      headers: { 'content-type': 'application/json', ...headers },
      body,
      requestId: 'r',
    },
    deps,
  );
  return {
    status: res.status,
    json: JSON.parse(res.body) as Record<string, unknown>,
    headers: res.headers,
    queue,
  };
}

describe('Paddle Billing (hmac template: ts=...;h1=... over "{ts}:{body}")', () => {
  const body = example('paddle', 'transaction-completed');
  const secret = ruleSecrets.PADDLE_WEBHOOK_SECRET;

  it("accepts a sample signed Paddle's way, which Paddle's own SDK also accepts", async () => {
    const signature = paddleSignature(body, [secret], nowS());
    // Paddle's SDK checks the signature (with its own 5 s tolerance) and reads the event.
    const event = await new Paddle('unused').webhooks.unmarshal(body.toString('utf8'), secret, signature);
    expect(event.eventType).toBe('transaction.completed');
    const res = await post(
      await shippedRulesWith(),
      '/webhooks/paddle',
      { 'paddle-signature': signature },
      body,
    );
    expect(res.status).toBe(202);
    expect(res.queue.messages[0]).toMatchObject({
      eventId: 'evt_01hv8x2acma2gz4pkxxnmxbeh6',
      params: { ec_id: 'txn_01hv8wptq8987qeep44cyrewp9', revenue: '327.9' },
    });
  });

  it('refuses a forged signature, a changed body and a stale timestamp with 401 problems', async () => {
    const rules = await shippedRulesWith();
    const forged = paddleSignature(body, [randomBytes(16).toString('hex')], nowS());
    const changed = Buffer.from(body.toString().replace('"32790"', '"1"'));
    const stale = paddleSignature(body, [secret], nowS() - 301);
    const answers = [
      await post(rules, '/webhooks/paddle', { 'paddle-signature': forged }, body),
      await post(
        rules,
        '/webhooks/paddle',
        { 'paddle-signature': paddleSignature(body, [secret], nowS()) },
        changed,
      ),
      await post(rules, '/webhooks/paddle', { 'paddle-signature': stale }, body),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    expect(answers.map((a) => a.json.type)).toEqual(Array(3).fill('urn:taglane:problem:unauthorized'));
    expect(answers[2]?.json.detail).toBe('Paddle-Signature ts= is outside the 300 s tolerance');
    expect(answers.every((a) => a.queue.messages.length === 0)).toBe(true);
  });

  it('rotates secrets: both keys pass while both are listed, the removed one is refused after', async () => {
    const text = readFileSync('rules/paddle.yaml', 'utf8');
    const both = compileRuleSet([
      {
        path: 'rules/paddle.yaml',
        text: text.replace('[PADDLE_WEBHOOK_SECRET]', '[PADDLE_NEW, PADDLE_OLD]'),
      },
    ]);
    const newOnly = compileRuleSet([
      { path: 'rules/paddle.yaml', text: text.replace('[PADDLE_WEBHOOK_SECRET]', '[PADDLE_NEW]') },
    ]);
    const env = { PADDLE_NEW: randomBytes(16).toString('hex'), PADDLE_OLD: randomBytes(16).toString('hex') };
    const byOld = { 'paddle-signature': paddleSignature(body, [env.PADDLE_OLD], nowS()) };
    const byNew = { 'paddle-signature': paddleSignature(body, [env.PADDLE_NEW], nowS()) };
    expect((await post(both, '/webhooks/paddle', byOld, body, env)).status).toBe(202);
    expect((await post(both, '/webhooks/paddle', byNew, body, env)).status).toBe(202);
    expect((await post(newOnly, '/webhooks/paddle', byNew, body, env)).status).toBe(202);
    const rotatedOut = await post(newOnly, '/webhooks/paddle', byOld, body, env);
    expect(rotatedOut.status).toBe(401);
    expect(rotatedOut.json.detail).toBe('Paddle-Signature does not match the body');
  });
});

describe('Lemon Squeezy (hmac: X-Signature, hex of the body)', () => {
  const body = example('lemonsqueezy', 'order-created');

  it('accepts a sample signed the Lemon Squeezy way and queues the order', async () => {
    const headers = {
      'x-signature': lemonSignature(body, ruleSecrets.LEMONSQUEEZY_WEBHOOK_SECRET),
      'x-event-name': 'order_created',
    };
    const res = await post(await shippedRulesWith(), '/webhooks/lemonsqueezy', headers, body);
    expect(res.status).toBe(202);
    expect(res.queue.messages[0]?.params).toMatchObject({
      ec_id: '104e18a2-d755-4d4b-80c4-a6c1dcbe1c10',
      revenue: '11.99',
    });
  });

  it('refuses a signature made with another secret, and a missing one, with 401', async () => {
    const rules = await shippedRulesWith();
    const forged = await post(
      rules,
      '/webhooks/lemonsqueezy',
      { 'x-signature': lemonSignature(body, 'guess') },
      body,
    );
    const missing = await post(rules, '/webhooks/lemonsqueezy', {}, body);
    expect([forged.status, missing.status]).toEqual([401, 401]);
    expect(missing.json.detail).toBe('the X-Signature header is missing');
  });
});

describe("Slack's Events API (hmac template: v0:{timestamp}:{body}, prefix v0=)", () => {
  const body = example('slack', 'app-mention');
  const secret = ruleSecrets.SLACK_SIGNING_SECRET;
  const headers = (ts: number, key = secret) => ({
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': slackSignature(body, key, ts),
  });

  it('accepts a sample signed the Slack way, identified by event_id', async () => {
    const res = await post(await shippedRulesWith(), '/webhooks/slack', headers(nowS()), body);
    expect(res.status).toBe(202);
    expect(res.queue.messages[0]).toMatchObject({ eventId: 'Ev123ABC456', params: { e_a: 'app_mention' } });
  });

  it("answers Slack's signed url_verification with its challenge, queues nothing, and refuses a forged one", async () => {
    const check = example('slack', 'url-verification');
    const signed = (key: string) => ({
      'x-slack-request-timestamp': String(nowS()),
      'x-slack-signature': slackSignature(check, key, nowS()),
    });
    const rules = await shippedRulesWith();
    const res = await post(rules, '/webhooks/slack', signed(secret), check);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect(res.queue.messages).toEqual([]);
    const forged = await post(rules, '/webhooks/slack', signed('not-the-secret'), check);
    expect(forged.status).toBe(401);
    expect(forged.json).not.toHaveProperty('challenge');
  });

  it('refuses forged and stale (over 5 minutes) signatures with 401 problems', async () => {
    const rules = await shippedRulesWith();
    const forged = await post(rules, '/webhooks/slack', headers(nowS(), 'not-the-secret'), body);
    const stale = await post(rules, '/webhooks/slack', headers(nowS() - 60 * 5 - 1), body);
    expect([forged.status, stale.status]).toEqual([401, 401]);
    expect(stale.json.detail).toBe('X-Slack-Request-Timestamp is outside the 300 s tolerance');
    expect(forged.headers['content-type']).toBe('application/problem+json');
  });
});
