/**
 * Makes docs/images/debugger.png: `taglane serve` on a copy of the shipped rules, a few events,
 * a signed Stripe webhook, a refused request and a dead letter, one request opened.
 * Run: node --import tsx test/browser/screenshot.ts
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { example, newSecrets, sendStripe } from '../e2e/senders.ts';
import { startMatomoServer } from '../support/matomo-server.ts';
import { CHROMIUM } from './browser.ts';
import { startPageServer } from './serve.ts';

// As `taglane serve` sets them: readable lines, no EMF metrics (none are printed here).
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const secrets = newSecrets();
const dir = await mkdtemp(join(tmpdir(), 'taglane-shot-'));
await cp('rules', join(dir, 'rules'), { recursive: true });
const matomo = await startMatomoServer({
  sites: [1],
  goals: { 1: [] },
  superUserTokens: [secrets.MATOMO_TOKEN],
});
const server = await startPageServer({ dataDir: join(dir, 'data'), matomoUrl: matomo.url, env: secrets });
const send = (body: unknown, key = secrets.TAGLANE_API_KEY): Promise<Response> =>
  fetch(`${server.url}/events?source=app`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
  });
const pages = [
  ['newcomer-1', 'https://www.example.com/hello', 'Hello Taglane'],
  ['newcomer-1', 'https://www.example.com/pricing', 'Pricing'],
  ['visitor-7', 'https://www.example.com/docs', 'Docs'],
] as const;
for (const [anonymousId, url, title] of pages)
  await send({ type: 'page_view', anonymousId, properties: { url, title } });
await sendStripe(server.url, secrets, await example('stripe', 'checkout-session-completed'));
await send({ type: 'signup', userId: 'user_8842', properties: { plan: 'pro' } });
await send({ type: 'page_view', anonymousId: 'x' }, 'wrong-key');
await send({ type: 'newsletter_opened', anonymousId: 'visitor-7' });
await server.drain(10_000);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
await page.goto(server.url);
await page.locator('.row.entry', { hasText: '/webhooks/stripe' }).click();
await page.locator('#detail .steps li', { hasText: 'recorded' }).first().waitFor();
await page.screenshot({ path: 'docs/images/debugger.png' });
await browser.close();
await server.close();
await matomo.close();
await rm(dir, { recursive: true, force: true });
console.log('wrote docs/images/debugger.png');
