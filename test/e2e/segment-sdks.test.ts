import { randomBytes } from 'node:crypto';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { describe, expect, it } from 'vitest';
import type { TrackingParams } from '../../src/matomo/emulator.ts';
import { e2eFixture, e2eServerPerFile } from './fixture.ts';
import { startLossyProxy } from './segment-sdks.ts';

const e2e = e2eFixture('taglane-segment-', { sites: [1], goals: { 1: [1, 2] } });
const { secrets } = e2e;
const server = e2eServerPerFile(e2e, {
  batchSize: 100,
  batchWindowMs: 20_000,
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 3,
  env: { ...secrets, TAGLANE_VISITOR_HMAC_KEY: randomBytes(32).toString('hex') },
});

const ORDER = {
  order_id: 'ord_sdk_1',
  total: 97.4,
  subtotal: 89.9,
  tax: 4.5,
  shipping: 5,
  discount: 2,
  currency: 'EUR',
  products: [
    { product_id: 'p1', sku: 'SHOE-TR-42', name: 'Trail running shoes', price: 59.9, quantity: 1 },
    { product_id: 'p2', sku: 'SOCK-MER', name: 'Merino running socks', price: 15, quantity: 2 },
  ],
};

/** What Matomo recorded while `send` ran and the queue drained. */
async function recordedDuring(send: () => Promise<void>): Promise<TrackingParams[]> {
  const before = e2e.matomo.recorded().length;
  await send();
  expect(await server.current.drain(30_000)).toBe(0);
  visitsBefore = before;
  return e2e.matomo.recorded().slice(before);
}

let visitsBefore = 0;

/** The Matomo visits the requests of the last {@link recordedDuring} were recorded in. */
const lastVisits = (): Set<number> =>
  new Set(
    e2e.matomo
      .placements()
      .slice(visitsBefore)
      .map((p) => p.idvisit),
  );

function segmentClient(host: string, writeKey = secrets.SEGMENT_WRITE_KEY): Analytics {
  return new Analytics({ writeKey, host, maxEventsInBatch: 20, flushInterval: 60_000, maxRetries: 3 });
}

function rudderClient(
  host: string,
  errors: unknown[] = [],
  writeKey = secrets.SEGMENT_WRITE_KEY,
): RudderAnalytics {
  return new RudderAnalytics(writeKey, {
    dataPlaneUrl: host,
    flushAt: 20,
    flushInterval: 60_000,
    retryCount: 3,
    logLevel: 'off',
    errorHandler: (error: unknown) => errors.push(error),
  });
}

const secondsAgo = (s: number): Date => new Date(Date.now() - s * 1000);

/**
 * The four calls of the acceptance test, as one person's session: an anonymous page view, then
 * identify, track and the order, seconds apart (Matomo's times are whole seconds).
 */
function calls(user: string, anon: string, order: string) {
  const page = { url: 'https://www.example.com/pricing' };
  const video = { category: 'Video', label: 'intro', value: 42 };
  return {
    page: { anonymousId: anon, name: 'Pricing', properties: page, timestamp: secondsAgo(40) },
    identify: { userId: user, anonymousId: anon, traits: { plan: 'pro' }, timestamp: secondsAgo(30) },
    track: { userId: user, event: 'Video Played', properties: video, timestamp: secondsAgo(20) },
    order: {
      userId: user,
      event: 'Order Completed',
      properties: { ...ORDER, order_id: order },
      timestamp: secondsAgo(10),
    },
  };
}

function expectTheFour(recorded: readonly TrackingParams[], user: string, order: string): void {
  expect(recorded).toHaveLength(4);
  const page = recorded.find((r) => r.action_name === 'Pricing');
  const ping = recorded.find((r) => r.ping === '1');
  const event = recorded.find((r) => r.e_a === 'Video Played');
  const sale = recorded.find((r) => r.ec_id === order);
  expect(page?.url).toBe('https://www.example.com/pricing');
  expect(ping?.uid).toBe(user);
  expect(event).toMatchObject({ e_c: 'Video', e_n: 'intro', e_v: '42', uid: user });
  expect(sale).toMatchObject({ idgoal: '0', revenue: '97.4', uid: user });
  expect(JSON.parse(sale?.ec_items ?? '[]')).toHaveLength(2);
  // identify linked the anonymous id to the user: Matomo put all four in one visit.

  expect(lastVisits().size).toBe(1);
  // The SDK's call times arrive as Matomo's cdt, in order.
  const times = recorded.map((r) => Number(r.cdt));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(Math.max(...times) - Math.min(...times)).toBe(30);
}

describe("Segment's and RudderStack's own SDKs, pointed at taglane serve", () => {
  it('@segment/analytics-node: page, identify, track and Order Completed arrive in Matomo', async () => {
    const c = calls('user_seg_1', 'anon_seg_1', 'ord_seg_1');
    const recorded = await recordedDuring(async () => {
      const analytics = segmentClient(server.current.url);
      analytics.page(c.page);
      analytics.identify(c.identify);
      analytics.track(c.track);
      analytics.track(c.order);
      await analytics.closeAndFlush();
    });
    expectTheFour(recorded, 'user_seg_1', 'ord_seg_1');
  });

  it('@rudderstack/rudder-sdk-node (gzip bodies): page, identify, track and Order Completed arrive', async () => {
    const c = calls('user_rs_1', 'anon_rs_1', 'ord_rs_1');
    const errors: unknown[] = [];
    const recorded = await recordedDuring(async () => {
      const client = rudderClient(server.current.url, errors);
      client.page(c.page);
      client.identify(c.identify);
      client.track(c.track);
      client.track(c.order);
      await client.flush();
    });
    expect(errors).toEqual([]);
    expectTheFour(recorded, 'user_rs_1', 'ord_rs_1');
  });

  it('records an analytics-node batch once when the SDK retries it after a lost answer', async () => {
    const proxy = await startLossyProxy(server.current.url, 1);
    try {
      const c = calls('user_seg_2', 'anon_seg_2', 'ord_seg_2');
      const recorded = await recordedDuring(async () => {
        const analytics = segmentClient(proxy.url);
        analytics.track(c.track);
        analytics.track(c.order);
        await analytics.closeAndFlush();
      });
      // Taglane accepted every request, the lost one included; the SDK sent that one again.
      expect(proxy.upstreamStatuses.every((status) => status === 200)).toBe(true);
      expect(proxy.forwarded[1]?.map((m) => m.messageId)).toEqual(
        proxy.forwarded[0]?.map((m) => m.messageId),
      );
      expect(recorded.map((r) => r.e_a ?? r.ec_id).sort()).toEqual(['Video Played', 'ord_seg_2']);
    } finally {
      await proxy.close();
    }
  });

  it('records a RudderStack batch once when the SDK retries it after a lost answer', async () => {
    const proxy = await startLossyProxy(server.current.url, 1);
    try {
      const c = calls('user_rs_2', 'anon_rs_2', 'ord_rs_2');
      const errors: unknown[] = [];
      const recorded = await recordedDuring(async () => {
        const client = rudderClient(proxy.url, errors);
        client.track(c.track);
        client.track(c.order);
        await client.flush();
      });
      expect(errors).toEqual([]);
      // Taglane accepted every request, the lost one included; the SDK sent that one again.
      expect(proxy.upstreamStatuses.every((status) => status === 200)).toBe(true);
      expect(proxy.forwarded[1]?.map((m) => m.messageId)).toEqual(
        proxy.forwarded[0]?.map((m) => m.messageId),
      );
      expect(recorded.map((r) => r.e_a ?? r.ec_id).sort()).toEqual(['Video Played', 'ord_rs_2']);
    } finally {
      await proxy.close();
    }
  });

  it("a wrong write key reaches analytics-node's error path as 401", async () => {
    const analytics = segmentClient(server.current.url, 'wrong-write-key');
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    analytics.track({ userId: 'u', event: 'Video Played' });
    await analytics.closeAndFlush();
    expect(failures).toHaveLength(1);
    expect(String((failures[0] as { reason?: unknown }).reason)).toContain('[401]');
  });

  it("a wrong write key reaches RudderStack's errorHandler as 401", async () => {
    const errors: unknown[] = [];
    const client = rudderClient(server.current.url, errors, 'wrong-write-key');
    client.track({ userId: 'u', event: 'Video Played' });
    await client.flush();
    expect(errors).toHaveLength(1);
    expect((errors[0] as { response?: { status?: number } }).response?.status).toBe(401);
  });
});
