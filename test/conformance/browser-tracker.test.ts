import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/local/server.ts';
import { chromiumPerFile } from '../browser/browser.ts';
import { addSite, type MatomoTarget, matomoFromEnv, visitsOf } from './matomo-api.ts';
import { type MatomoProxy, startMatomoProxy } from './matomo-proxy.ts';
import { shippedRulesOn } from './rules-on-site.ts';

/**
 * Matomo's own matomo.js (served by the real Matomo) in Debian's Chromium, with its tracker URL
 * pointed at `taglane serve`, while Taglane's Matomo is down (a proxy in front of the real one
 * answers 503, then resets connections): every hit must be answered as Matomo answers, and once
 * the proxy is back the real Matomo must hold one visit per browser with every action once,
 * the browser's device, address and language-guessed country.
 */
let matomo: MatomoTarget;
let site: number;
let dir: string;
let proxy: MatomoProxy;
let server: RunningServer;
let page: Server;
let pageUrl: string;
let trackerUrl: string;
const now = new Date();
const run = `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const chromium = chromiumPerFile();
const API_KEY = randomBytes(24).toString('hex');

/** One person's browser: what a CDN in front of Taglane would say about it. */
interface Person {
  readonly locale: string;
  /** The browser's public address, as the trusted front door sends it in X-Forwarded-For. */
  readonly address: string;
  readonly userAgent?: string;
  /** How the outlink is tracked: a real click on the page's link, or `trackLink`. */
  readonly link: 'click' | 'trackLink';
}

const ANDROID =
  'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const PEOPLE: readonly Person[] = [
  { locale: 'de-CH', address: '198.51.100.23', link: 'trackLink' },
  { locale: 'pt-BR', address: '203.0.113.45', userAgent: ANDROID, link: 'click' },
];

function shopPage(tracker: string, matomoJs: string, idSite: number): string {
  return `<!doctype html><html><head><title>Shop ${run}</title><script>
var _paq = window._paq = window._paq || [];
_paq.push(['requireConsent']);
_paq.push(['setTrackerUrl', ${JSON.stringify(tracker)}]);
_paq.push(['setSiteId', '${idSite}']);
_paq.push(['trackPageView']);
_paq.push(['enableLinkTracking']);
</script><script async src="${matomoJs}"></script></head>
<body><a id="out" href="https://partner.example.org/${run}" target="_blank">partner</a></body></html>`;
}

beforeAll(async () => {
  matomo = matomoFromEnv();
  site = await addSite(matomo, `Taglane browser ${run}`, now);
  proxy = await startMatomoProxy(matomo.url);
  dir = await mkdtemp(join(tmpdir(), 'taglane-browser-conformance-'));
  const trackerFile = join(dir, 'tracker.yaml');
  // 127.0.0.1 plays the CDN in front of Taglane: its X-Forwarded-For names the browser.
  await writeFile(
    trackerFile,
    `path: /t/collect\ntrustedProxies: [127.0.0.1]\nsites:\n  ${site}: { consent: drop, anonymiseIp: 1 }\n`,
  );
  // The shipped rules on the run's site, for the server-side events of the signed-in test.
  await shippedRulesOn(join(dir, 'rules'), site);
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: join(dir, 'rules'),
    dataDir: join(dir, 'data'),
    matomoUrl: proxy.url,
    batchSize: 10,
    batchWindowMs: 200,
    // Quick retries through the outage, and enough of them that nothing is dead-lettered.
    visibilityTimeoutSeconds: 1,
    retryMaxDelaySeconds: 2,
    maxReceiveCount: 100,
    drainTimeoutMs: 60_000,
    env: { MATOMO_TOKEN: matomo.token, TAGLANE_TRACKER_FILE: trackerFile, TAGLANE_API_KEY: API_KEY },
  });
  // The tracker file's first-party path, not /matomo.php: what the page's setTrackerUrl names.
  trackerUrl = `${server.url}/t/collect`;
  const html = shopPage(trackerUrl, `${matomo.url}/matomo.js`, site);
  page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/shop`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => page?.close(resolve));
  await server?.close();
  await proxy?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** How Taglane answered one hit of the page. */
interface Answer {
  /** `_id:r`: matomo.js puts a random `r` in every hit. */
  readonly hit: string;
  readonly status: number;
  readonly allowOrigin: string | undefined;
  readonly allowCredentials: string | undefined;
  readonly body: number;
}

function hitOf(params: URLSearchParams): string {
  return `${params.get('_id')}:${params.get('r')}`;
}

function paramsOf(request: Request): URLSearchParams {
  const body = request.postData();
  return body ? new URLSearchParams(body) : new URL(request.url()).searchParams;
}

/**
 * Polls until `done`; the test's timeout bounds the wait. Every 10 s of waiting it says what
 * it waits for and where things stand, so a timeout names the step that never came.
 */
async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let polls = 1; !(await done()); polls += 1) {
    if (polls % 100 === 0) {
      const state = `${proxy.refused.length} refused, ${proxy.resets} resets, ${proxy.forwarded} forwarded`;
      process.stderr.write(`still waiting for ${what} (${state})\n`);
    }
    await sleep(100);
  }
}

/** One person's visit to the shop: consent, event, site search, order and outlink. */
async function browse(person: Person, order: string): Promise<Answer[]> {
  const context = await chromium.current.newContext({
    locale: person.locale,
    ...(person.userAgent === undefined ? {} : { userAgent: person.userAgent }),
  });
  const answers: Answer[] = [];
  // The front door: adds the CDN's X-Forwarded-For on the way in (not the page) and keeps
  // Taglane's answer to each hit, which it hands to the browser unchanged.
  await context.route(`${trackerUrl}**`, async (route) => {
    const request = route.request();
    const response = await route.fetch({
      headers: { ...request.headers(), 'x-forwarded-for': person.address },
    });
    answers.push({
      hit: hitOf(paramsOf(request)),
      status: response.status(),
      allowOrigin: response.headers()['access-control-allow-origin'],
      allowCredentials: response.headers()['access-control-allow-credentials'],
      body: (await response.body()).length,
    });
    await route.fulfill({ response });
  });
  await context.route('https://partner.example.org/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: 'partner' }),
  );
  const tab = await context.newPage();
  await tab.goto(pageUrl);
  await tab.waitForFunction(() => typeof (globalThis as { Matomo?: unknown }).Matomo === 'object');
  // Nothing leaves the page before consent: matomo.js holds the page view.
  expect(answers).toHaveLength(0);
  await tab.evaluate((id) => {
    const paq = (globalThis as unknown as { _paq: unknown[][] })._paq;
    paq.push(['setConsentGiven']);
    paq.push(['trackEvent', 'Video', 'Play', 'Intro']);
    paq.push(['trackSiteSearch', 'red shoes', 'all', 4]);
    paq.push(['addEcommerceItem', 'SKU-1', 'Red shoes', 'Shoes', 49.5, 2]);
    paq.push(['trackEcommerceOrder', id, 99]);
  }, order);
  if (person.link === 'click') {
    // In a new tab, so the beacon leaves a page that stays: a navigation away can cancel it.
    const [partner] = await Promise.all([context.waitForEvent('page'), tab.click('#out')]);
    await partner.waitForLoadState();
  } else {
    await tab.evaluate(() => {
      const paq = (globalThis as unknown as { _paq: unknown[][] })._paq;
      paq.push(['trackLink', 'https://partner.example.org/manual', 'link']);
    });
  }
  // Five hits with actions and the consent ping, each answered before the browser goes.
  await until(`six answered hits from ${person.address}`, () => answers.length >= 6);
  await context.close();
  return answers;
}

async function deadLettered(): Promise<number> {
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: server.sqs.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const dead = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: server.sqs.dlqUrl, MaxNumberOfMessages: 10 }),
  );
  sqs.destroy();
  return dead.Messages?.length ?? 0;
}

describe("matomo.js in Chromium through Taglane's first-party /t/collect into the real Matomo", () => {
  it('answers every hit as Matomo while Matomo is down, then records one whole visit per browser', async () => {
    proxy.set('503');
    const downSince = Date.now();
    const answers = await Promise.all(PEOPLE.map((person, i) => browse(person, `order-${run}-${i}`)));
    const origin = new URL(pageUrl).origin;
    for (const own of answers) {
      // sendBeacon's POST with send_image=0: Matomo answers 204 with its CORS headers.
      const seen = own.map((a) => [a.status, a.allowOrigin, a.allowCredentials, a.body]);
      expect(seen).toEqual(own.map(() => [204, origin, 'true', 0]));
    }
    const hits = new Set(answers.flat().map((a) => a.hit));
    expect(hits.size).toBe(answers.flat().length);
    // Every hit answered has been tried on Matomo and refused, and is still queued.
    await until('every hit refused by the proxy', () => [...hits].every((h) => refusedHits().has(h)));
    proxy.set('reset');
    const resetsBefore = proxy.resets;
    await until('a retry on a reset connection', () => proxy.resets > resetsBefore);
    expect(await visitsOf(matomo, site, now)).toEqual([]);
    expect(proxy.forwarded).toBe(0);

    const downFor = Date.now() - downSince;
    proxy.set('up');
    await visitsWith(10);
    // Read again once the queue is empty: a copy delivered late would show here.
    expect(await server.drain(60_000)).toBe(0);
    const visits = await visitsOf(matomo, site, now);
    expect(await deadLettered()).toBe(0);
    // The figures of the run (docs/browser.md), for the log: how long and how hard it was down.
    const figures = { hits: hits.size, downMs: downFor, refused: proxy.refused.length, resets: proxy.resets };
    process.stderr.write(`outage figures: ${JSON.stringify(figures)}\n`);
    expect(visits).toHaveLength(2);
    for (const [i, person] of PEOPLE.entries()) {
      const visit = visits.find((v) => v.visitIp === masked(person.address));
      expect(visit, `the visit of ${person.address}`).toBeDefined();
      if (visit === undefined) continue;
      const types = visit.actionDetails.map((a) => a.type).sort();
      expect(types).toEqual(['action', 'ecommerceOrder', 'event', 'outlink', 'search']);
      const order = visit.actionDetails.find((a) => a.type === 'ecommerceOrder');
      expect(order).toMatchObject({ orderId: `order-${run}-${i}` });
      expect(Number(order?.revenue)).toBe(99);
      expect(visit.actionDetails.find((a) => a.type === 'search')?.siteSearchKeyword).toBe('red shoes');
      expect(visit.browserName).toMatch(/Chrome/);
      expect(visit.deviceType).toBe(person.userAgent === undefined ? 'Desktop' : 'Smartphone');
      // No GeoIP database: Matomo's default provider guesses the country from the browser's
      // language (its region part), which only the browser's Accept-Language as `lang` carries.
      const region = person.locale.split('-')[1]?.toLowerCase();
      expect(visit.countryCode).toBe(region);
      expect(visit.languageCode).toBe(person.locale.toLowerCase());
    }
  });
});

describe("a signed-in browser's user id, seen on Taglane's /t/collect", () => {
  it("puts the person's later server-side events into the browser's visit in the real Matomo", async () => {
    proxy.set('up');
    const user = `user-${run}`;
    const context = await chromium.current.newContext({ locale: 'en-GB' });
    let answered = 0;
    await context.route(`${trackerUrl}**`, async (route) => {
      const request = route.request();
      const response = await route.fetch({ headers: { ...request.headers(), 'x-forwarded-for': SIGNED_IN } });
      answered += 1;
      await route.fulfill({ response });
    });
    const tab = await context.newPage();
    await tab.goto(pageUrl);
    await tab.waitForFunction(() => typeof (globalThis as { Matomo?: unknown }).Matomo === 'object');
    await tab.evaluate((id) => {
      const paq = (globalThis as unknown as { _paq: unknown[][] })._paq;
      paq.push(['setConsentGiven']);
      paq.push(['setUserId', id]);
      paq.push(['trackEvent', 'Account', 'Signed in']);
    }, user);
    // The held page view, the consent ping and the event.
    await until('three answered hits of the signed-in browser', () => answered >= 3);
    await context.close();
    await until('the signed-in visit in Matomo', async () => {
      await server.drain(60_000);
      return (await visitsOf(matomo, site, now)).some((v) => v.userId === user);
    });

    // Later, the backend reports the same person's page view through the events API.
    const event = {
      id: `evt_${run}_server`,
      type: 'page_view',
      timestamp: Date.now(),
      userId: user,
      properties: { url: `https://www.example.com/account/${run}`, title: 'Account' },
    };
    const answer = await fetch(`${server.url}/events?source=app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(event),
    });
    expect(answer.status).toBe(202);
    await until('the server-side page view in Matomo', async () => {
      await server.drain(60_000);
      const visits = await visitsOf(matomo, site, now);
      return visits.some((v) => v.actionDetails.some((a) => a.url === event.properties.url));
    });
    const visits = (await visitsOf(matomo, site, now)).filter(
      (v) => v.userId === user || v.visitIp === masked(SIGNED_IN),
    );
    expect(visits, 'one visit for the browser and the backend').toHaveLength(1);
    const urls = visits[0]?.actionDetails.map(
      (a) => `${a.type} ${a.type === 'event' ? a.eventAction : a.url}`,
    );
    expect(urls).toEqual([`action ${pageUrl}`, 'event Signed in', `action ${event.properties.url}`]);
  });
});

/** The signed-in browser's address, as the CDN in front of Taglane names it. */
const SIGNED_IN = '192.0.2.77';

function refusedHits(): Set<string> {
  return new Set(proxy.refused.map(hitOf));
}

/** Matomo's visitIp for an address Taglane masked by one byte. */
function masked(address: string): string {
  return address.replace(/\.\d+$/, '.0');
}

/** Drains the pipeline until Matomo's visits hold `actions` actions (beacons land unawaited). */
async function visitsWith(actions: number): Promise<void> {
  let seen = '';
  await until(`${actions} actions in Matomo`, async () => {
    const left = await server.drain(60_000);
    const visits = await visitsOf(matomo, site, now);
    seen = visits.map((v) => v.actionDetails.map((a) => a.type).join('+')).join(' | ');
    if (left > 0) process.stderr.write(`${left} messages still queued; Matomo has ${seen}\n`);
    return visits.reduce((n, v) => n + v.actionDetails.length, 0) >= actions;
  });
}
