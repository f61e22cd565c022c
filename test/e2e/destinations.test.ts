import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunningServer, type StartServerOptions, startServer } from '../../src/local/server.ts';
import { perFile } from '../support/lifecycle.ts';
import { startMatomoServer } from '../support/matomo-server.ts';
import { e2eFixture } from './fixture.ts';

// Two Matomos: `default` (the fixture's, site 1) and `eu` (site 5), each with its own token.
const e2e = e2eFixture('taglane-destinations-', { sites: [1, 2] });
const euToken = randomBytes(16).toString('hex');
const apiKey = randomBytes(16).toString('hex');
const eu = perFile(
  'the eu Matomo',
  () => startMatomoServer({ sites: [5, 6], superUserTokens: [euToken] }),
  (server) => server.close(),
);

const RULES = `source: shop
auth: { api-key: { secrets: [SHOP_API_KEY] } }
site: shop
destination: [default, eu]
visitor: { key: '{% customer %}' }
rules:
  - name: order
    when: '{% type = "order" %}'
    track:
      - order: { id: '{% id %}', revenue: '{% total %}' }
`;

/** `taglane serve` on the shop rules and both destinations, in `environment` if given. */
async function startShop(
  dataDir: string,
  environment?: string,
  more: Partial<StartServerOptions> = {},
): Promise<RunningServer> {
  const config = join(e2e.dir, 'config');
  await mkdir(join(config, 'rules'), { recursive: true });
  await writeFile(join(config, 'rules', 'shop.yaml'), RULES);
  await writeFile(
    join(config, 'destinations.yaml'),
    `destinations:
  default: { url: ${e2e.matomo.url}, token: MATOMO_TOKEN, sites: { shop: 1 } }
  eu: { url: ${eu.current.url}, token: MATOMO_EU_TOKEN, sites: { shop: 5 }, visitors: own }
environments:
  staging:
    default: { sites: { shop: 2 } }
    eu: { sites: { shop: 6 } }
`,
  );
  return startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: join(config, 'rules'),
    destinationsFile: join(config, 'destinations.yaml'),
    environment,
    dataDir: join(e2e.dir, dataDir),
    matomoUrl: undefined,
    batchSize: 10,
    batchWindowMs: 0,
    // Short, so the retry after the outage comes quickly.
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 10,
    drainTimeoutMs: 30_000,
    env: { SHOP_API_KEY: apiKey, MATOMO_TOKEN: e2e.secrets.MATOMO_TOKEN, MATOMO_EU_TOKEN: euToken },
    ...more,
  });
}

const server = perFile(
  'the server',
  () => startShop('data'),
  (running) => running.close(),
);

async function order(id: string, base = server.current.url): Promise<number> {
  const response = await fetch(`${base}/events?source=shop`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ id, type: 'order', customer: `c-${id}`, total: 42 }),
  });
  await response.text();
  return response.status;
}

const orders = (recorded: readonly Record<string, string>[], id: string) =>
  recorded.filter((r) => r.ec_id === id).map((r) => r.idsite);

const until = async (done: () => boolean): Promise<void> => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 50));
};

describe('taglane serve with two destinations', () => {
  it('fans one order out to two sites on two Matomos, each recorded once', async () => {
    expect(server.current.destinations.list).toEqual([
      { name: 'default', url: e2e.matomo.url, inspector: false },
      { name: 'eu', url: eu.current.url, inspector: false },
    ]);
    expect(await order('o-1')).toBe(202);
    expect(await server.current.drain(30_000)).toBe(0);
    expect(orders(e2e.matomo.recorded(), 'o-1')).toEqual(['1']);
    expect(orders(eu.current.recorded(), 'o-1')).toEqual(['5']);
    // Each Matomo got its own token, and eu (visitors: own) a visitor id of its own.
    expect(eu.current.received.every((b) => b.body.includes(euToken))).toBe(true);
    const cid = (recorded: readonly Record<string, string>[]) => recorded.find((r) => r.ec_id === 'o-1')?.cid;
    expect(cid(e2e.matomo.recorded())).toMatch(/^[0-9a-f]{16}$/);
    expect(cid(eu.current.recorded())).toMatch(/^[0-9a-f]{16}$/);
    expect(cid(eu.current.recorded())).not.toBe(cid(e2e.matomo.recorded()));
  });

  it('delivers to one destination while the other is down, then completes both, each once', async () => {
    await eu.current.outage({ kind: 'status', status: 503 });
    expect(await order('o-2')).toBe(202);
    await until(() => orders(e2e.matomo.recorded(), 'o-2').length > 0);
    await until(() => eu.current.received.some((b) => b.status === 503));
    expect(orders(eu.current.recorded(), 'o-2')).toEqual([]);
    await eu.current.recover();
    expect(await server.current.drain(30_000)).toBe(0);
    expect(orders(eu.current.recorded(), 'o-2')).toEqual(['5']);
    expect(orders(e2e.matomo.recorded(), 'o-2')).toEqual(['1']);
  });

  it('sends to the site ids of --env staging, with the same rule file', async () => {
    const staging = await startShop('data-staging', 'staging');
    try {
      expect(await order('o-3', staging.url)).toBe(202);
      expect(await staging.drain(30_000)).toBe(0);
    } finally {
      await staging.close();
    }
    expect(orders(e2e.matomo.recorded(), 'o-3')).toEqual(['2']);
    expect(orders(eu.current.recorded(), 'o-3')).toEqual(['6']);
  });

  it('keeps the requests of a destination whose token is unset queued, and delivers the others', async () => {
    const printed: string[] = [];
    const noToken = await startShop('data-no-token', undefined, {
      env: { SHOP_API_KEY: apiKey, MATOMO_TOKEN: e2e.secrets.MATOMO_TOKEN },
      print: (line) => printed.push(line),
      drainTimeoutMs: 500,
    });
    let left: number;
    try {
      expect(await order('o-4', noToken.url)).toBe(202);
      await until(() => orders(e2e.matomo.recorded(), 'o-4').length > 0);
      await until(() => printed.some((line) => line.includes('secret MATOMO_EU_TOKEN is not set')));
    } finally {
      left = await noToken.close();
    }
    expect(orders(e2e.matomo.recorded(), 'o-4')).toEqual(['1']);
    expect(orders(eu.current.recorded(), 'o-4')).toEqual([]);
    // Not dead-lettered, not dropped: still on the queue when the server stopped.
    expect(left).toBe(1);
  });
});
