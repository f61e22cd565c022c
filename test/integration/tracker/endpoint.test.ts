import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  type IngestDeps,
  type IngestRequest,
  ingest,
  MemoryQueue,
} from '../../../src/ingest/index.ts';
import { loadRuleSet, type RuleSet } from '../../../src/rules/index.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { parseTrackerConfig, TRACKING_GIF, trackerDeps } from '../../../src/sources/matomo-tracker/index.ts';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';

const NOW = 1_790_000_000_000;
const CONFIG = `
path: /t/collect
trustedProxies: [10.0.0.0/8]
maxBodyBytes: 4096
maxRequests: 5
rateLimit: { requests: 8, seconds: 60 }
sites:
  1: { anonymiseIp: 1 }
  2: { consent: drop, anonymiseIp: 0, deny: [uadata, dimension*] }
  3: { consent: strip, allow: [action_name, url, e_*, _id, uid] }
`;

let rules: RuleSet;
beforeAll(async () => {
  rules = await loadRuleSet('rules');
});

function setup(): { deps: IngestDeps; queue: MemoryQueue } {
  const queue = new MemoryQueue();
  const deps: IngestDeps = {
    rules,
    queue,
    secrets: new EnvSecretSource({}),
    clock: () => NOW,
    limits: DEFAULT_LIMITS,
    tracker: trackerDeps(parseTrackerConfig('tracker.yaml', CONFIG)),
  };
  return { deps, queue };
}

let seq = 0;
function hit(init: Partial<IngestRequest> & { url?: string }): IngestRequest {
  const url = new URL(init.url ?? '/matomo.php', 'http://x');
  seq += 1;
  return {
    method: init.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120',
      'accept-language': 'de-CH,de;q=0.9',
      ...init.headers,
    },
    body: init.body ?? Buffer.alloc(0),
    requestId: `req-${seq}`,
    sourceIp: init.sourceIp ?? '203.0.113.77',
  };
}

const PV = 'idsite=1&rec=1&action_name=Home&url=https%3A%2F%2Fshop.example%2F&_id=0123456789abcdef&r=123456';

describe('GET and POST /matomo.php: the forms the JavaScript tracker sends', () => {
  it('a GET is answered with the 43-byte GIF once queued, with ids as sent and the browser as cip/ua/lang', async () => {
    const { deps, queue } = setup();
    const res = await ingest(hit({ url: `/matomo.php?${PV}&uid=alice&cid=fedcba9876543210` }), deps);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    expect(Buffer.from(res.body, 'base64')).toEqual(TRACKING_GIF);
    expect(TRACKING_GIF).toHaveLength(43);
    expect(queue.messages).toHaveLength(1);
    const [queued] = queue.messages;
    expect(QueuedRequestSchema.parse(queued)).toEqual(queued);
    expect(queued?.passthrough).toBe(true);
    expect(queued?.params).toMatchObject({
      idsite: '1',
      _id: '0123456789abcdef',
      uid: 'alice',
      cid: 'fedcba9876543210',
      cip: '203.0.113.0',
      ua: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120',
      // As Matomo reads its own Accept-Language header: a raw `de-CH` would lose the country.
      lang: 'de-ch,de',
      cdt: String(NOW / 1000),
    });
    expect(queued?.visitor).toEqual({ key: 'alice', browserId: '0123456789abcdef' });
  });

  it("sendBeacon's POST (empty body, parameters in the query, send_image=0) is a 204 with Matomo's CORS", async () => {
    const { deps, queue } = setup();
    const res = await ingest(
      hit({
        method: 'POST',
        url: `/matomo.php?${PV}&send_image=0`,
        headers: { origin: 'https://shop.example' },
      }),
      deps,
    );
    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(queue.messages[0]?.params.action_name).toBe('Home');
  });

  it('a form-encoded POST body is read, its values over the query string', async () => {
    const { deps, queue } = setup();
    const body = Buffer.from(`${PV.replace('Home', 'Cart')}&send_image=0`);
    const res = await ingest(hit({ method: 'POST', url: '/matomo.php?action_name=Ignored', body }), deps);
    expect(res.status).toBe(204);
    expect(queue.messages[0]?.params.action_name).toBe('Cart');
  });

  it('bulk JSON is queued in order and answered with the summary; a token in it never passes', async () => {
    const { deps, queue } = setup();
    const requests = [
      `?${PV}`,
      `?${PV.replace('Home', 'Two')}&cip=6.6.6.6`,
      `?${PV.replace('Home', 'Three')}`,
    ];
    const body = Buffer.from(JSON.stringify({ requests, token_auth: 'stolen' }));
    const res = await ingest(
      hit({ method: 'POST', body, headers: { 'content-type': 'application/json' } }),
      deps,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'success', tracked: 3, invalid: 0 });
    expect(queue.messages.map((m) => m.params.action_name)).toEqual(['Home', 'Two', 'Three']);
    expect(queue.messages.map((m) => m.index)).toEqual([0, 1, 2]);
    expect(queue.messages[1]?.params.cip).toBe('203.0.113.0');
    expect(queue.messages.every((m) => m.params.token_auth === undefined)).toBe(true);
  });

  it('the first-party path of the tracker file answers and queues exactly as /matomo.php', async () => {
    const { deps, queue } = setup();
    const res = await ingest(hit({ url: `/t/collect?${PV}&send_image=0`, method: 'POST' }), deps);
    expect(res.status).toBe(204);
    const preflight = await ingest(hit({ url: '/t/collect', method: 'OPTIONS' }), deps);
    expect(preflight.status).toBe(204);
    expect(queue.messages.map((m) => m.params.action_name)).toEqual(['Home']);
    const { tracker: _t, ...without } = deps;
    const unrouted = await ingest(hit({ url: `/t/collect?${PV}` }), without);
    expect(unrouted.status).toBe(404);
    expect(JSON.parse(unrouted.body).type).toBe('urn:taglane:problem:no-route');
  });

  it('the same hit sent twice gets the same request id, so the batcher records it once', async () => {
    const { deps, queue } = setup();
    await ingest(hit({ url: `/matomo.php?${PV}` }), deps);
    await ingest(hit({ url: `/matomo.php?${PV}` }), deps);
    expect(queue.messages).toHaveLength(2);
    expect(queue.messages[0]?.id).toBe(queue.messages[1]?.id);
  });

  it('answers 503, never 2xx, while the queue is down', async () => {
    const { deps, queue } = setup();
    queue.failNext();
    const res = await ingest(hit({ url: `/matomo.php?${PV}` }), deps);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(queue.messages).toHaveLength(0);
  });
});

describe('per-site policy', () => {
  it('consent: drop keeps only hits with consent=1 and says so in a header', async () => {
    const { deps, queue } = setup();
    const site2 = PV.replace('idsite=1', 'idsite=2');
    const without = await ingest(hit({ url: `/matomo.php?${site2}` }), deps);
    expect(without.status).toBe(200);
    expect(without.headers['x-taglane-dropped']).toBe('1 without consent');
    expect(queue.messages).toHaveLength(0);
    await ingest(hit({ url: `/matomo.php?${site2}&consent=1&uadata=x&dimension1=y&dimensionless=z` }), deps);
    expect(queue.messages).toHaveLength(1);
    const params = queue.messages[0]?.params ?? {};
    expect(params.cip).toBe('203.0.113.77');
    expect(params.uadata).toBeUndefined();
    expect(params.dimension1).toBeUndefined();
    expect(params.dimensionless).toBeUndefined();
    expect(queue.messages[0]?.warnings?.map((w) => w.field)).toEqual([
      'uadata',
      'dimension1',
      'dimensionless',
    ]);
  });

  it('reports every consent drop: header, info log, ignored metric, and the bulk counts only what is queued', async () => {
    const { deps, queue } = setup();
    const lines: { message: string; attributes: unknown }[] = [];
    const counts: { name: string; value: number; dimensions: unknown }[] = [];
    const logged = (message: string, attributes?: unknown) => lines.push({ message, attributes });
    const observed: IngestDeps = {
      ...deps,
      logger: { info: logged, warn: logged, error: logged },
      metrics: { count: (name, value, dimensions) => counts.push({ name, value, dimensions }) },
    };
    const site2 = PV.replace('idsite=1', 'idsite=2');
    const requests = [`?${site2}`, `?${site2}&consent=1`, `?${site2}&r=2`];
    const body = Buffer.from(JSON.stringify({ requests }));
    const res = await ingest(hit({ method: 'POST', body }), observed);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'success', tracked: 1, invalid: 0 });
    expect(res.headers['x-taglane-dropped']).toBe('2 without consent');
    expect(queue.messages).toHaveLength(1);
    expect(lines).toContainEqual({
      message: 'tracker requests without consent dropped',
      attributes: { count: 2, sites: ['2'], requestId: expect.stringMatching(/^req-/) },
    });
    expect(counts).toContainEqual({ name: 'ignored', value: 2, dimensions: { source: 'matomo-tracker' } });
    expect(counts).toContainEqual({
      name: 'requestsQueued',
      value: 1,
      dimensions: { source: 'matomo-tracker' },
    });
  });

  it('consent: strip removes the visitor ids, masks two bytes and applies the allow-list', async () => {
    const { deps, queue } = setup();
    const site3 = `${PV.replace('idsite=1', 'idsite=3')}&uid=bob&e_c=Video&res=1x1`;
    await ingest(hit({ url: `/matomo.php?${site3}` }), deps);
    const params = queue.messages[0]?.params ?? {};
    expect(params._id).toBeUndefined();
    expect(params.uid).toBeUndefined();
    expect(params.res).toBeUndefined();
    expect(params.e_c).toBe('Video');
    expect(params.cip).toBe('203.0.0.0');
    // Nothing is changed silently: each removed id is a warning the inspector and debugger show.
    expect(queue.messages[0]?.warnings).toContainEqual({
      field: '_id',
      message: 'removed: no consent=1 and the site has consent: strip',
    });
    expect(queue.messages[0]?.warnings?.map((w) => w.field)).toEqual(['_id', 'r', 'uid', 'res']);
    await ingest(hit({ url: `/matomo.php?${site3}&consent=1` }), deps);
    expect(queue.messages[1]?.params).toMatchObject({ _id: '0123456789abcdef', uid: 'bob' });
  });
});

describe('hostile requests get Matomo-like 4xx answers, never a 5xx', () => {
  const cases: [string, Partial<IngestRequest> & { url?: string }, number, string][] = [
    [
      'a foreign idsite',
      { url: `/matomo.php?${PV.replace('idsite=1', 'idsite=99')}` },
      400,
      'invalid-idsite',
    ],
    ['no idsite', { url: '/matomo.php?rec=1' }, 400, 'invalid-idsite'],
    ['an oversized body', { method: 'POST', body: Buffer.alloc(5000, 'a') }, 413, 'body-too-large'],
    ['broken bulk JSON', { method: 'POST', body: Buffer.from('{"requests": [') }, 400, 'invalid-body'],
    ['a bulk of numbers', { method: 'POST', body: Buffer.from('{"requests": [1]}') }, 400, 'invalid-body'],
    ['an empty bulk', { method: 'POST', body: Buffer.from('{"requests": []}') }, 400, 'invalid-body'],
    [
      'too many in a bulk',
      { method: 'POST', body: Buffer.from(JSON.stringify({ requests: Array(6).fill(`?${PV}`) })) },
      413,
      'too-many-requests',
    ],
    [
      'a body that is not UTF-8',
      { method: 'POST', body: Buffer.from([0xff, 0xfe, 0x41]) },
      400,
      'invalid-body',
    ],
    ['a DELETE', { method: 'DELETE' }, 405, 'method-not-allowed'],
  ];
  it.each(cases)('%s', async (_name, init, status, type) => {
    const { deps, queue } = setup();
    const res = await ingest(hit(init), deps);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body).type).toBe(`urn:taglane:problem:${type}`);
    expect(queue.messages).toHaveLength(0);
  });

  it('a bulk with one foreign site queues none of it', async () => {
    const { deps, queue } = setup();
    const body = Buffer.from(JSON.stringify({ requests: [`?${PV}`, '?idsite=7&rec=1'] }));
    const res = await ingest(hit({ method: 'POST', body }), deps);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).issues[0].path).toBe('$.requests[1].idsite');
    expect(queue.messages).toHaveLength(0);
  });

  it('X-Forwarded-For is believed only from a trusted proxy, and only as far as it is trusted', async () => {
    const { deps, queue } = setup();
    const xff = { 'x-forwarded-for': '198.51.100.9' };
    await ingest(hit({ url: `/matomo.php?${PV}`, headers: xff }), deps);
    await ingest(
      hit({
        url: `/matomo.php?${PV}&n=2`,
        headers: { 'x-forwarded-for': '1.2.3.4, 198.51.100.9, 10.1.1.1' },
        sourceIp: '10.0.0.1',
      }),
      deps,
    );
    await ingest(
      hit({
        url: `/matomo.php?${PV}&n=3`,
        headers: { 'x-forwarded-for': 'not-an-ip' },
        sourceIp: '10.0.0.1',
      }),
      deps,
    );
    expect(queue.messages.map((m) => m.params.cip)).toEqual(['203.0.113.0', '198.51.100.0', '10.0.0.0']);
  });

  it('a flood from one client is refused with 429 and Retry-After; other clients still pass', async () => {
    const { deps, queue } = setup();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1)
      statuses.push((await ingest(hit({ url: `/matomo.php?${PV}&i=${i}` }), deps)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    const refused = await ingest(hit({ url: `/matomo.php?${PV}` }), deps);
    expect(refused.headers['retry-after']).toBe('60');
    const other = await ingest(hit({ url: `/matomo.php?${PV}`, sourceIp: '192.0.2.1' }), deps);
    expect(other.status).toBe(200);
    expect(queue.messages).toHaveLength(9);
  });

  it('without a tracker file the path is a 404 problem naming the setting', async () => {
    const { deps } = setup();
    const { tracker: _t, ...without } = deps;
    const res = await ingest(hit({ url: `/matomo.php?${PV}` }), without);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).detail).toContain('TAGLANE_TRACKER_FILE');
  });

  it('a CORS preflight is answered 204 with the methods allowed', async () => {
    const { deps } = setup();
    const res = await ingest(hit({ method: 'OPTIONS', headers: { origin: 'https://shop.example' } }), deps);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('answers any body, query and headers with 2xx or 4xx, and 2xx only with something queued or consent-dropped', async () => {
    const text = fc.oneof(
      fc.string(),
      fc.constantFrom('{"requests":[', '{"requests":["?idsite=1"]}', 'idsite=2', '%E0%A4%A'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'OPTIONS', 'PUT'),
        fc.dictionary(
          fc.constantFrom('idsite', 'rec', 'send_image', '_id', 'cip', 'token_auth', 'x'),
          fc.string(),
        ),
        fc.oneof(
          text.map((t) => Buffer.from(t)),
          fc.uint8Array({ maxLength: 6000 }).map((b) => Buffer.from(b)),
        ),
        fc.option(fc.string(), { nil: undefined }),
        async (method, query, body, forwarded) => {
          const { deps, queue } = setup();
          const url = `/matomo.php?${new URLSearchParams(query).toString()}`;
          const headers = forwarded === undefined ? {} : { 'x-forwarded-for': forwarded };
          const res = await ingest(hit({ method, url, body, headers, sourceIp: '10.0.0.1' }), deps);
          expect(res.status === 503 || res.status < 500).toBe(true);
          if (res.status >= 200 && res.status < 300 && method !== 'OPTIONS') {
            expect(queue.messages.length > 0 || res.headers['x-taglane-dropped'] !== undefined).toBe(true);
          }
          for (const m of queue.messages) expect(m.params.token_auth).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});
