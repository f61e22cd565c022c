import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { DebugEntryDetail, StreamMessage } from '../../../src/local/debugger/wire.ts';
import { e2eFixture, e2eServerPerFile } from '../../e2e/fixture.ts';

const e2e = e2eFixture('taglane-debugger-int-');
const server = e2eServerPerFile(e2e, {
  batchSize: 10,
  batchWindowMs: 20,
  visibilityTimeoutSeconds: 1,
  maxReceiveCount: 5,
});

/** A raw request, so the Host and Origin headers are exactly the ones given. */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string }> {
  const url = new URL(server.current.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function until<T>(check: () => T | undefined): Promise<T> {
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the debugger routes', () => {
  it('answers only requests addressed to a loopback name (no DNS rebinding)', async () => {
    const refused = await raw('/debugger/api/dead-letters', { headers: { host: 'attacker.example:8787' } });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).detail).toContain('not "attacker.example"');
    const page = await raw('/', { headers: { host: 'localhost:8787' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script type="module" src="/debugger/app.js">');
  });

  it('takes POSTs only as JSON from its own origin (no cross-site form posts)', async () => {
    const host = new URL(server.current.url).host;
    const form = await raw('/debugger/api/clear', {
      method: 'POST',
      headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    expect(form.status).toBe(403);
    const foreign = await raw('/debugger/api/clear', {
      method: 'POST',
      headers: { host, origin: 'https://attacker.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
    const own = await raw('/debugger/api/clear', {
      method: 'POST',
      headers: { host, origin: `http://${host}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(own.status).toBe(200);
  });

  it('redacts a secret sent in a body and in a header, and streams the entry', async () => {
    const seen: StreamMessage[] = [];
    const unsubscribe = server.current.debugger.store.subscribe((m) => seen.push(m));
    const key = e2e.secrets.TAGLANE_API_KEY;
    const answer = await fetch(`${server.current.url}/events?source=app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'x-note': `key=${key}` },
      body: JSON.stringify({
        type: 'page_view',
        anonymousId: 'redact-1',
        properties: { title: key, url: 'https://x.example/' },
      }),
    });
    expect(answer.status).toBe(202);
    const streamed = await until(() =>
      seen.find((m) => m.type === 'entry' && m.entry.requests.some((r) => r.visitorKey === 'redact-1')),
    );
    unsubscribe();
    const seq = streamed.type === 'entry' ? streamed.entry.seq : 0;
    const detail = (await (
      await fetch(`${server.current.url}/debugger/api/entries/${seq}`)
    ).json()) as DebugEntryDetail;
    expect(detail.headers['x-api-key']).toBe('[redacted]');
    expect(detail.headers['x-note']).toBe('key=[redacted TAGLANE_API_KEY]');
    expect(detail.body).toContain('"title":"[redacted TAGLANE_API_KEY]"');
    expect(JSON.stringify(detail)).not.toContain(key);
    // The page view rule also names referrer and user; this event has neither.
    expect(detail.requests[0]?.warnings).toEqual([
      'referrer (urlref) produced nothing for this event and was left out',
      'user (uid) produced nothing for this event and was left out',
    ]);
    expect(detail.requests[0]?.ruleAt).toEqual({
      name: 'page view',
      file: 'rules/app.yaml',
      line: expect.any(Number),
      when: '{% type = "page_view" %}',
    });
  });

  it('puts each request of concurrent POSTs under the POST it came in', async () => {
    const people = ['conc-a', 'conc-b', 'conc-c', 'conc-d', 'conc-e'];
    const answers = await Promise.all(
      people.map((person) =>
        fetch(`${server.current.url}/events?source=app`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': e2e.secrets.TAGLANE_API_KEY },
          body: JSON.stringify(
            [1, 2, 3].map((n) => ({
              type: 'page_view',
              anonymousId: person,
              properties: { url: `https://x.example/${person}/${n}` },
            })),
          ),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(people.map(() => 202));
    const store = server.current.debugger.store;
    const mine = () =>
      store.list().flatMap((e) => {
        const body = store.get(e.seq)?.body ?? '';
        return body.includes('conc-') ? [{ body, requests: e.requests }] : [];
      });
    expect(mine()).toHaveLength(people.length);
    for (const entry of mine()) {
      const person = people.find((p) => entry.body.includes(`"${p}"`));
      expect(entry.requests.map((r) => r.visitorKey)).toEqual([person, person, person]);
    }
    // Delivered before the next test takes Matomo down.
    await until(() =>
      mine().every((e) => e.requests.every((r) => r.state === 'recorded')) ? true : undefined,
    );
  });

  it('shows a request retried while Matomo is down, then recorded', async () => {
    await e2e.matomo.outage({ kind: 'status', status: 503 });
    const answer = await fetch(`${server.current.url}/events?source=app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': e2e.secrets.TAGLANE_API_KEY },
      body: JSON.stringify({
        type: 'page_view',
        anonymousId: 'retry-1',
        properties: { url: 'https://x.example/r' },
      }),
    });
    expect(answer.status).toBe(202);
    const store = server.current.debugger.store;
    const mine = () =>
      store.list().find((e) => e.requests.some((r) => r.visitorKey === 'retry-1'))?.requests[0];
    await until(() => (mine()?.state === 'retried' ? true : undefined));
    await e2e.matomo.recover();
    await until(() => (mine()?.state === 'recorded' ? true : undefined));
    const steps = mine()?.steps.map((s) => `${s.state}: ${s.detail ?? ''}`) ?? [];
    expect(steps).toContain('sent: bulk of 1; Matomo answered HTTP 503');
    expect(steps).toContain('retried: handed back to SQS: offered again after the visibility timeout');
    expect(steps.filter((s) => s.startsWith('in-batch')).length).toBeGreaterThanOrEqual(2);
    expect(steps[steps.length - 1]).toBe('recorded: Matomo counted it');
    // The visitor id shown is the one Matomo recorded the request with.
    const sentUrl = mine()?.params.url;
    const cid = e2e.matomo.recorded().find((p) => p.url === sentUrl)?.cid;
    expect(cid).toMatch(/^[0-9a-f]{16}$/);
    expect(mine()?.params.cid).toBe(cid);
  });
});
