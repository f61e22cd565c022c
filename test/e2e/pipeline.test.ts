import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TrackingParams } from '../../src/matomo/emulator.ts';
import { e2eFixture, e2eServerPerFile } from './fixture.ts';
import { type Answer, example, sendApp, sendGithub, sendShopify, sendStripe } from './senders.ts';

const e2e = e2eFixture('taglane-e2e-', { sites: [1], goals: { 1: [1, 2] } });
const { secrets } = e2e;
const server = e2eServerPerFile(e2e, {
  batchSize: 100,
  // A long window: each phase's events wait in the queue until drain() flushes them as one batch.
  batchWindowMs: 20_000,
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 3,
  env: { ...secrets, TAGLANE_VISITOR_HMAC_KEY: randomBytes(32).toString('hex') },
});

/**
 * Sends one phase of events, checks each was accepted, flushes the queue and returns what
 * Matomo recorded for them: one batch, so one chronological bulk per delivery lane.
 */
async function phase(send: () => Promise<Answer[]>): Promise<TrackingParams[]> {
  const before = e2e.matomo.recorded().length;
  const answers = await send();
  for (const answer of answers) expect(answer.status).toBe(202);
  const expected = answers.reduce((sum, a) => sum + (a.body.requests ?? 0), 0);
  expect(expected).toBeGreaterThan(0);
  expect(await server.current.drain(30_000)).toBe(0);
  const recorded = e2e.matomo.recorded().slice(before);
  expect(recorded).toHaveLength(expected);
  return recorded;
}

const cdts = (requests: readonly TrackingParams[]): number[] => requests.map((r) => Number(r.cdt));
const cids = (requests: readonly TrackingParams[]): Set<string | undefined> =>
  new Set(requests.map((r) => r.cid));
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();

describe('taglane serve end to end (signed webhooks and app events to a Matomo-like server)', () => {
  const people = new Map<string, string>();
  const remember = (person: string, requests: readonly TrackingParams[]): void => {
    const ids = cids(requests);
    expect(ids.size, `${person} has one visitor id`).toBe(1);
    const [cid] = ids;
    expect(cid).toMatch(/^[0-9a-f]{16}$/);
    people.set(person, cid ?? '');
  };

  it('delivers a Stripe customer’s webhooks sent out of order as one chronological bulk with one cid', async () => {
    const recorded = await phase(async () => [
      await sendStripe(server.current.url, secrets, await example('stripe', 'charge-refunded')),
      await sendStripe(server.current.url, secrets, await example('stripe', 'invoice-paid')),
      await sendStripe(server.current.url, secrets, await example('stripe', 'checkout-session-completed')),
    ]);
    const times = cdts(recorded);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBeGreaterThan(1);
    expect(recorded.map((r) => r.ec_id ?? r.idgoal ?? r.e_a)).toEqual(
      expect.arrayContaining(['cs_test_a1Lq0sXHn3C2bYk9PZ8dQwR4tU6vWxYz', '1', 'Refund']),
    );
    remember('stripe customer', recorded);
    const bulk = JSON.parse(e2e.matomo.received.at(-1)?.body ?? '{}') as { token_auth?: string };
    expect(bulk.token_auth).toBe(secrets.MATOMO_TOKEN);
  });

  it('gives a Stripe guest checkout (identified by email) its own cid', async () => {
    const recorded = await phase(async () => [
      await sendStripe(
        server.current.url,
        secrets,
        await example('stripe', 'checkout-session-completed-line-items'),
      ),
    ]);
    expect(recorded.some((r) => r.ec_items !== undefined)).toBe(true);
    remember('stripe guest', recorded);
  });

  it('delivers GitHub webhooks signed with @octokit/webhooks-methods, one cid per sender', async () => {
    const codertocat = await phase(async () => [
      await sendGithub(server.current.url, secrets, 'issues', await example('github', 'issues-opened')),
      await sendGithub(server.current.url, secrets, 'star', await example('github', 'star-created')),
    ]);
    expect(codertocat.map((r) => r.e_a)).toContain('Star');
    remember('codertocat', codertocat);
    const octocoders = await phase(async () => [
      await sendGithub(server.current.url, secrets, 'fork', await example('github', 'fork')),
    ]);
    remember('octocoders', octocoders);
  });

  it('delivers Shopify orders signed with the documented HMAC, a customer and a guest apart', async () => {
    const customer = await phase(async () => [
      await sendShopify(
        server.current.url,
        secrets,
        'orders/create',
        await example('shopify', 'orders-create'),
      ),
    ]);
    expect(customer[0]?.ec_id).toBe('5829301764281');
    remember('shopify customer', customer);
    const guest = await phase(async () => [
      await sendShopify(
        server.current.url,
        secrets,
        'orders/create',
        await example('shopify', 'orders-create-guest'),
      ),
    ]);
    remember('shopify guest', guest);
  });

  it("orders each person's app events by event time and keeps two people apart", async () => {
    const recorded = await phase(async () => [
      await sendApp(server.current.url, secrets, [
        {
          id: 'e2e-a3',
          type: 'search',
          timestamp: minutesAgo(1),
          userId: 'alice',
          properties: { query: 'shoes' },
        },
        {
          id: 'e2e-b1',
          type: 'page_view',
          timestamp: minutesAgo(2),
          userId: 'bob',
          properties: { url: 'https://www.example.com/b' },
        },
        {
          id: 'e2e-a2',
          type: 'page_view',
          timestamp: minutesAgo(3),
          userId: 'alice',
          properties: { url: 'https://www.example.com/a' },
        },
        {
          id: 'e2e-a1',
          type: 'signup',
          timestamp: minutesAgo(4),
          userId: 'alice',
          properties: { plan: 'pro' },
        },
      ]),
    ]);
    // Each person in event-time order; people in different delivery lanes may interleave.
    const of = (uid: string): string[] =>
      recorded.filter((r) => r.uid === uid).map((r) => `${r.uid} ${r.search ?? r.idgoal ?? r.url}`);
    expect(of('alice')).toEqual(['alice 2', 'alice https://www.example.com/a', 'alice shoes']);
    expect(of('bob')).toEqual(['bob https://www.example.com/b']);
    expect(recorded).toHaveLength(4);
    remember(
      'alice',
      recorded.filter((r) => r.uid === 'alice'),
    );
    remember(
      'bob',
      recorded.filter((r) => r.uid === 'bob'),
    );
  });

  it('keeps a person’s cid in a later bulk, and every person’s cid differs from the others', async () => {
    const later = await phase(async () => [
      await sendApp(server.current.url, secrets, {
        id: 'e2e-a4',
        type: 'page_view',
        userId: 'alice',
        properties: { url: 'https://www.example.com/again' },
      }),
    ]);
    expect(later[0]?.cid).toBe(people.get('alice'));
    expect(people.size).toBe(8);
    expect(new Set(people.values()).size).toBe(people.size);
    for (const bulk of e2e.matomo.received) expect(bulk.emulation?.response).toMatchObject({ invalid: 0 });
  });
});
