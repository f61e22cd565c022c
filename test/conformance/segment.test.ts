import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/local/server.ts';
import { newSecrets } from '../e2e/senders.ts';
import {
  addGoal,
  addSite,
  type LiveVisit,
  type MatomoTarget,
  matomoFromEnv,
  visitsOf,
} from './matomo-api.ts';
import { shippedRulesOn } from './rules-on-site.ts';

// Segment's and RudderStack's own SDKs into a real Matomo: each person's anonymous page view,
// identify, product view, search, track and order must form ONE visit with the user id.

let matomo: MatomoTarget;
let site: number;
let dir: string;
let server: RunningServer;
let visits: LiveVisit[] = [];
const now = new Date();
const run = `s${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const secrets = newSecrets();
const ago = (s: number): Date => new Date(now.getTime() - s * 1000);

/** One person's session, calls 30 s apart ending a minute ago. */
function session(person: string) {
  const user = `${person}-${run}`;
  const anon = `anon-${person}-${run}`;
  const product = { sku: `SKU-${person}`, name: 'Trail shoes', category: 'Shoes', price: 59.9 };
  return {
    person,
    user,
    order: `order-${person}-${run}`,
    calls: [
      [
        'page',
        {
          anonymousId: anon,
          name: 'Pricing',
          properties: { url: `https://shop.example.com/${person}` },
          timestamp: ago(240),
        },
      ],
      ['identify', { userId: user, anonymousId: anon, traits: { plan: 'pro' }, timestamp: ago(210) }],
      [
        'track',
        {
          userId: user,
          event: 'Product Viewed',
          properties: { ...product, url: 'https://shop.example.com/p/shoes' },
          timestamp: ago(180),
        },
      ],
      [
        'track',
        {
          userId: user,
          event: 'Products Searched',
          properties: { query: `socks ${person}` },
          timestamp: ago(150),
        },
      ],
      [
        'track',
        {
          userId: user,
          event: 'Video Played',
          properties: { category: 'Video', label: 'intro' },
          timestamp: ago(120),
        },
      ],
      [
        'track',
        {
          userId: user,
          event: 'Order Completed',
          properties: {
            order_id: `order-${person}-${run}`,
            total: 59.9,
            products: [{ ...product, quantity: 1 }],
          },
          timestamp: ago(60),
        },
      ],
    ] as const,
  };
}

const viaSegment = session('segment');
const viaRudder = session('rudder');

beforeAll(async () => {
  matomo = matomoFromEnv();
  site = await addSite(matomo, `Taglane Segment SDKs ${run}`, now);
  await addGoal(matomo, site, 'Paid invoice');
  await addGoal(matomo, site, 'Signup');
  dir = await mkdtemp(join(tmpdir(), 'taglane-conformance-segment-'));
  await shippedRulesOn(join(dir, 'rules'), site);
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: join(dir, 'rules'),
    dataDir: join(dir, 'data'),
    matomoUrl: matomo.url,
    batchSize: 2,
    batchWindowMs: 200,
    visibilityTimeoutSeconds: 10,
    maxReceiveCount: 5,
    drainTimeoutMs: 60_000,
    env: { ...secrets, MATOMO_TOKEN: matomo.token },
  });
  const segment = new Analytics({ writeKey: secrets.SEGMENT_WRITE_KEY, host: server.url });
  for (const [call, params] of viaSegment.calls) {
    if (call === 'page') segment.page(params);
    else if (call === 'identify') segment.identify(params);
    else segment.track(params);
  }
  await segment.closeAndFlush();
  const errors: unknown[] = [];
  const rudder = new RudderAnalytics(secrets.SEGMENT_WRITE_KEY, {
    dataPlaneUrl: server.url,
    logLevel: 'off',
    errorHandler: (error: unknown) => errors.push(error),
  });
  for (const [call, params] of viaRudder.calls) {
    if (call === 'page') rudder.page(params);
    else if (call === 'identify') rudder.identify(params);
    // The SDK's types want mutable arrays; the session's are readonly literals.
    else rudder.track(params as unknown as Parameters<RudderAnalytics['track']>[0]);
  }
  await rudder.flush();
  expect(errors).toEqual([]);
  expect(await server.drain(120_000)).toBe(0);
  visits = await visitsOf(matomo, site, now);
}, 240_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['@segment/analytics-node', viaSegment],
  ['@rudderstack/rudder-sdk-node', viaRudder],
])('%s into a real Matomo', (_sdk, person) => {
  it('forms one visit with the user id, the anonymous page view included, actions in order', () => {
    const mine = visits.filter((v) =>
      JSON.stringify(v.actionDetails).includes(person.user.split('-')[0] ?? ''),
    );
    const theirs = visits.filter((v) => v.userId === person.user);
    expect(theirs).toHaveLength(1);
    expect(mine.map((v) => v.idVisit)).toEqual(theirs.map((v) => v.idVisit));
    const types = theirs[0]?.actionDetails.map((a) => a.type);
    expect(types).toEqual(['action', 'action', 'search', 'event', 'ecommerceOrder']);
  });

  it('records the product page, the search keyword, the event and the order with its item', () => {
    const actions = visits.find((v) => v.userId === person.user)?.actionDetails ?? [];
    expect(actions[1]?.url).toBe('https://shop.example.com/p/shoes');
    expect(actions[2]?.siteSearchKeyword).toBe(`socks ${person.person}`);
    expect(actions[3]).toMatchObject({ eventCategory: 'Video', eventAction: 'Video Played' });
    const order = actions[4];
    expect(order?.orderId).toBe(person.order);
    expect(Number(order?.revenue)).toBe(59.9);
    expect(order?.itemDetails?.map((i) => i.itemSKU)).toEqual([`SKU-${person.person}`]);
  });
});
