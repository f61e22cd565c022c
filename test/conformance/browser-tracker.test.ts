import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/local/server.ts';
import { browserPerFile } from '../browser/browser.ts';
import { addSite, type LiveVisit, type MatomoTarget, matomoFromEnv, visitsOf } from './matomo-api.ts';

/**
 * Matomo's own matomo.js (served by the real Matomo) in Debian's Chromium, with its tracker URL
 * pointed at `taglane serve`: every hit goes through /matomo.php, the queue and the batcher
 * into the real Matomo, which must see one visit per browser with the browser's device.
 */
let matomo: MatomoTarget;
let site: number;
let dir: string;
let server: RunningServer;
let page: Server;
let pageUrl: string;
const now = new Date();
const run = `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const browser = browserPerFile();

function shopPage(trackerUrl: string, matomoJs: string, idSite: number): string {
  return `<!doctype html><html><head><title>Shop ${run}</title><script>
var _paq = window._paq = window._paq || [];
_paq.push(['requireConsent']);
_paq.push(['setTrackerUrl', ${JSON.stringify(trackerUrl)}]);
_paq.push(['setSiteId', '${idSite}']);
_paq.push(['trackPageView']);
_paq.push(['enableLinkTracking']);
</script><script async src="${matomoJs}"></script></head>
<body><a id="out" href="https://partner.example.org/${run}">partner</a></body></html>`;
}

beforeAll(async () => {
  matomo = matomoFromEnv();
  site = await addSite(matomo, `Taglane browser ${run}`, now);
  dir = await mkdtemp(join(tmpdir(), 'taglane-browser-conformance-'));
  const trackerFile = join(dir, 'tracker.yaml');
  await writeFile(trackerFile, `sites:\n  ${site}: { consent: drop, anonymiseIp: 1 }\n`);
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir: join(dir, 'data'),
    matomoUrl: matomo.url,
    batchSize: 10,
    batchWindowMs: 200,
    visibilityTimeoutSeconds: 10,
    maxReceiveCount: 5,
    drainTimeoutMs: 60_000,
    env: { MATOMO_TOKEN: matomo.token, TAGLANE_TRACKER_FILE: trackerFile },
  });
  const html = shopPage(`${server.url}/matomo.php`, `${matomo.url}/matomo.js`, site);
  page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/shop`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => page?.close(resolve));
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Drains the pipeline until Matomo's visits hold `actions` actions (beacons land unawaited). */
async function visitsWith(actions: number): Promise<LiveVisit[]> {
  for (;;) {
    await server.drain(60_000);
    const visits = await visitsOf(matomo, site, now);
    if (visits.reduce((n, v) => n + v.actionDetails.length, 0) >= actions) return visits;
    await sleep(250);
  }
}

describe("matomo.js in Chromium through Taglane's /matomo.php into the real Matomo", () => {
  it('records page view, event, site search, order and outlink after consent, in one visit', async () => {
    const tab = await browser.current.newPage();
    await tab.goto(pageUrl);
    await tab.waitForFunction(() => typeof (globalThis as { Matomo?: unknown }).Matomo === 'object');
    // Nothing leaves the page before consent: the page view is held by matomo.js.
    await server.drain(60_000);
    expect(await visitsOf(matomo, site, now)).toEqual([]);
    await tab.evaluate(() => {
      const paq = (globalThis as unknown as { _paq: unknown[][] })._paq;
      paq.push(['setConsentGiven']);
      paq.push(['trackEvent', 'Video', 'Play', 'Intro']);
      paq.push(['trackSiteSearch', 'red shoes', 'all', 4]);
      paq.push(['addEcommerceItem', 'SKU-1', 'Red shoes', 'Shoes', 49.5, 2]);
      paq.push(['trackEcommerceOrder', 'order-1', 99]);
      paq.push(['trackLink', 'https://partner.example.org/manual', 'link']);
    });
    // Five actions: the held page view and the four hits after it (the consent ping is none).
    const visits = await visitsWith(5);
    await tab.close();
    expect(visits).toHaveLength(1);
    const [visit] = visits;
    const types = visit?.actionDetails.map((a) => a.type);
    expect(types).toEqual(expect.arrayContaining(['action', 'event', 'search', 'ecommerceOrder', 'outlink']));
    const order = visit?.actionDetails.find((a) => a.type === 'ecommerceOrder');
    expect(order).toMatchObject({ orderId: 'order-1' });
    expect(Number(order?.revenue)).toBe(99);
    expect(visit?.actionDetails.find((a) => a.type === 'search')?.siteSearchKeyword).toBe('red shoes');
    expect(visit?.deviceType).toBe('Desktop');
    expect(visit?.browserName).toMatch(/Chrome/);
    expect(visit?.visitIp).toBe('127.0.0.0');
    expect(visit?.actionDetails).toHaveLength(5);
  });
});
