import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { InspectedRequest } from '../../src/local/inspector.ts';
import type { RunningServer } from '../../src/local/server.ts';
import { perFile } from '../support/lifecycle.ts';
import { tempDirPerFile } from '../support/temp-dir.ts';
import { startTrackerServer } from './tracker-server.ts';

/**
 * Hostile traffic on the tracker endpoint over real HTTP (`taglane serve`): each case gets a
 * Matomo-like 4xx answer (a problem, with the CORS headers so a page can read it) or is
 * tracked as Matomo would track it, and never a 5xx. 127.0.0.1 plays the CDN in front, so
 * each case speaks for a client address of its own through X-Forwarded-For.
 */
const temp = tempDirPerFile('taglane-tracker-hostile-');
const FLOOD_LIMIT = 20;
const server = perFile(
  'the server',
  async (): Promise<RunningServer> => {
    const config = [
      'trustedProxies: [127.0.0.1]',
      'maxBodyBytes: 2048',
      'maxRequests: 5',
      `rateLimit: { requests: ${FLOOD_LIMIT}, seconds: 3600 }`,
      'sites:',
      '  1: { anonymiseIp: 0 }',
    ].join('\n');
    return startTrackerServer(temp.path, config);
  },
  (s) => s.close(),
);

const HIT = 'idsite=1&rec=1&send_image=0&url=https%3A%2F%2Fshop.example%2F&_id=0123456789abcdef';
let client = 0;

/** A request from a client address of its own (as the trusted front door names it). */
async function send(
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; address: string }> {
  client += 1;
  const address = `198.51.100.${client}`;
  const res = await fetch(`${server.current.url}${path}`, {
    method: init.method ?? 'POST',
    ...(init.body === undefined ? {} : { body: init.body }),
    headers: { origin: 'https://shop.example', 'x-forwarded-for': address, ...init.headers },
  });
  return { status: res.status, headers: res.headers, text: await res.text(), address };
}

async function inspectedWhere(match: (r: InspectedRequest) => boolean): Promise<InspectedRequest> {
  for (;;) {
    await server.current.drain(30_000);
    const found = server.current.inspected().find(match);
    if (found) return found;
    await sleep(50);
  }
}

function expectProblem(
  answer: { status: number; headers: Headers; text: string },
  status: number,
  type: string,
) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  expect(JSON.parse(answer.text)).toMatchObject({ status, type: `urn:taglane:problem:${type}` });
}

describe('hostile requests to the tracker endpoint over HTTP', { timeout: 60_000 }, () => {
  it('oversized: a body past maxBodyBytes is a 413, a query past the header limit a 431, never a 5xx', async () => {
    expectProblem(await send(`/matomo.php?${HIT}`, { body: 'a'.repeat(3000) }), 413, 'body-too-large');
    const long = await send(`/matomo.php?${HIT}&x=${'y'.repeat(20_000)}`);
    expect(long.status).toBe(431);
    const bulk = JSON.stringify({ requests: Array(6).fill(`?${HIT}`) });
    expectProblem(await send('/matomo.php', { body: bulk }), 413, 'too-many-requests');
  });

  it('malformed: broken bulks are 400 problems naming where; broken escapes are tracked as Matomo reads them', async () => {
    expectProblem(await send('/matomo.php', { body: '{"requests": [' }), 400, 'invalid-body');
    const nested = await send('/matomo.php', { body: '{"requests": [{"idsite": 1, "x": {"y": 1}}]}' });
    expectProblem(nested, 400, 'invalid-body');
    expect(JSON.parse(nested.text).issues[0].path).toBe('$.requests[0].x');
    const escapes = await send(`/matomo.php?${HIT}&action_name=%E0%A4%A&r=escapes`);
    expect(escapes.status).toBe(204);
    const seen = await inspectedWhere((r) => r.params.r === 'escapes');
    expect(seen.params.action_name).toBe('\uFFFD%A');
  });

  it('a foreign idsite is a 400 invalid-idsite, as Matomo answers a site it does not track', async () => {
    expectProblem(await send(`/matomo.php?${HIT.replace('idsite=1', 'idsite=2')}`), 400, 'invalid-idsite');
    const bulk = JSON.stringify({ requests: [`?${HIT}`, { idsite: 9, rec: 1 }] });
    const mixed = await send('/matomo.php', { body: bulk });
    expectProblem(mixed, 400, 'invalid-idsite');
    expect(JSON.parse(mixed.text).issues[0].path).toBe('$.requests[1].idsite');
  });

  it('header spoofing: only the trusted hop names the client; cip, cdt and token_auth from the page never pass', async () => {
    const answer = await send(`/matomo.php?${HIT}&r=spoof&cip=6.6.6.6&cdt=1&token_auth=stolen`, {
      headers: {
        'x-forwarded-for': '6.6.6.6, 198.51.100.200',
        'x-real-ip': '7.7.7.7',
        forwarded: 'for=8.8.8.8',
        'true-client-ip': '9.9.9.9',
      },
    });
    expect(answer.status).toBe(204);
    const seen = await inspectedWhere((r) => r.params.r === 'spoof');
    expect(seen.params.cip).toBe('198.51.100.200');
    expect(seen.params.token_auth).toBeUndefined();
    expect(Number(seen.params.cdt)).toBeGreaterThan(1_700_000_000);
  });

  it(`flood: past ${FLOOD_LIMIT} requests one client gets 429 with Retry-After, others still pass, none a 5xx`, async () => {
    const headers = { 'x-forwarded-for': '203.0.113.99' };
    const answers = await Promise.all(
      Array.from({ length: 3 * FLOOD_LIMIT }, (_, i) => send(`/matomo.php?${HIT}&r=flood${i}`, { headers })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(FLOOD_LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * FLOOD_LIMIT);
    const refused = answers.find((a) => a.status === 429);
    if (refused) expectProblem(refused, 429, 'rate-limited');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send(`/matomo.php?${HIT}&r=other`)).status).toBe(204);
    await server.current.drain(30_000);
    const flood = server.current.inspected().filter((r) => r.params.r?.startsWith('flood'));
    expect(flood).toHaveLength(FLOOD_LIMIT);
  });
});
