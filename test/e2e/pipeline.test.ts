import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/local/server.ts';
import type { TrackingParams } from '../../src/matomo/emulator.ts';
import { startMatomoServer, type TestMatomo } from '../support/matomo-server.ts';
import { type Answer, example, newSecrets, sendApp, sendGithub, sendShopify, sendStripe } from './senders.ts';

const secrets = newSecrets();

let matomo: TestMatomo;
let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'taglane-e2e-'));
  matomo = await startMatomoServer({
    sites: [1],
    goals: { 1: [1, 2] },
    superUserTokens: [secrets.MATOMO_TOKEN],
  });
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir,
    matomoUrl: matomo.url,
    batchSize: 100,
    // A long window: each phase's events wait in the queue until drain() flushes them as one batch.
    batchWindowMs: 20_000,
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 3,
    drainTimeoutMs: 30_000,
    env: { ...secrets, TAGLANE_VISITOR_HMAC_KEY: randomBytes(32).toString('hex') },
  });
});
afterAll(async () => {
  await server?.close();
  await matomo?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * Sends one phase of events, checks each was accepted, flushes the queue and returns what
 * Matomo recorded for them: one batch, so one chronological bulk.
 */
async function phase(send: () => Promise<Answer[]>): Promise<TrackingParams[]> {
  const before = matomo.recorded().length;
  const answers = await send();
  for (const answer of answers) expect(answer.status).toBe(202);
  const expected = answers.reduce((sum, a) => sum + (a.body.requests ?? 0), 0);
  expect(expected).toBeGreaterThan(0);
  expect(await server.drain(30_000)).toBe(0);
  const recorded = matomo.recorded().slice(before);
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
      await sendStripe(server.url, secrets, await example('stripe', 'charge-refunded')),
      await sendStripe(server.url, secrets, await example('stripe', 'invoice-paid')),
      await sendStripe(server.url, secrets, await example('stripe', 'checkout-session-completed')),
    ]);
    const times = cdts(recorded);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBeGreaterThan(1);
    expect(recorded.map((r) => r.ec_id ?? r.idgoal ?? r.e_a)).toEqual(
      expect.arrayContaining(['cs_test_a1Lq0sXHn3C2bYk9PZ8dQwR4tU6vWxYz', '1', 'Refund']),
    );
    remember('stripe customer', recorded);
    const bulk = JSON.parse(matomo.received.at(-1)?.body ?? '{}') as { token_auth?: string };
    expect(bulk.token_auth).toBe(secrets.MATOMO_TOKEN);
  });

  it('gives a Stripe guest checkout (identified by email) its own cid', async () => {
    const recorded = await phase(async () => [
      await sendStripe(server.url, secrets, await example('stripe', 'checkout-session-completed-line-items')),
    ]);
    expect(recorded.some((r) => r.ec_items !== undefined)).toBe(true);
    remember('stripe guest', recorded);
  });

  it('delivers GitHub webhooks signed with @octokit/webhooks-methods, one cid per sender', async () => {
    const codertocat = await phase(async () => [
      await sendGithub(server.url, secrets, 'issues', await example('github', 'issues-opened')),
      await sendGithub(server.url, secrets, 'star', await example('github', 'star-created')),
    ]);
    expect(codertocat.map((r) => r.e_a)).toContain('Star');
    remember('codertocat', codertocat);
    const octocoders = await phase(async () => [
      await sendGithub(server.url, secrets, 'fork', await example('github', 'fork')),
    ]);
    remember('octocoders', octocoders);
  });

  it('delivers Shopify orders signed with the documented HMAC, a customer and a guest apart', async () => {
    const customer = await phase(async () => [
      await sendShopify(server.url, secrets, 'orders/create', await example('shopify', 'orders-create')),
    ]);
    expect(customer[0]?.ec_id).toBe('5829301764281');
    remember('shopify customer', customer);
    const guest = await phase(async () => [
      await sendShopify(
        server.url,
        secrets,
        'orders/create',
        await example('shopify', 'orders-create-guest'),
      ),
    ]);
    remember('shopify guest', guest);
  });

  it('orders app events by event time and keeps two people in one bulk apart', async () => {
    const recorded = await phase(async () => [
      await sendApp(server.url, secrets, [
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
    expect(recorded.map((r) => `${r.uid} ${r.search ?? r.idgoal ?? r.url}`)).toEqual([
      'alice 2',
      'alice https://www.example.com/a',
      'bob https://www.example.com/b',
      'alice shoes',
    ]);
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
      await sendApp(server.url, secrets, {
        id: 'e2e-a4',
        type: 'page_view',
        userId: 'alice',
        properties: { url: 'https://www.example.com/again' },
      }),
    ]);
    expect(later[0]?.cid).toBe(people.get('alice'));
    expect(people.size).toBe(8);
    expect(new Set(people.values()).size).toBe(people.size);
    for (const bulk of matomo.received) expect(bulk.emulation?.response).toMatchObject({ invalid: 0 });
  });
});
