import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMatomoServer } from '../support/matomo-server.ts';
import { e2eFixture } from './fixture.ts';
import { sendApp } from './senders.ts';
import { type ServeProcess, spawnServePerTest } from './serve-process.ts';

const LISTENING = 'Taglane is listening on';
const e2e = e2eFixture('taglane-serve-cli-', { sites: [1], goals: { 1: [1, 2] } });
const { secrets } = e2e;
const spawnServe = spawnServePerTest();

function serve(name: string, env: Record<string, string>, args: string[] = []): ServeProcess {
  return spawnServe(['--data-dir', join(e2e.dir, name), ...args], env);
}

// Child processes start slowly on a busy machine (tsx compiles the CLI first).
describe('taglane serve as a process', { timeout: 60_000 }, () => {
  it('delivers every event accepted before SIGTERM, then exits 0', async () => {
    const proc = serve('drain', {
      ...secrets,
      MATOMO_URL: e2e.matomo.url,
      // A long batching window: the events are still queued when SIGTERM arrives.
      TAGLANE_BATCH_WINDOW: '60',
      TAGLANE_BATCH_SIZE: '1000',
    });
    await proc.waitFor(LISTENING);
    const before = e2e.matomo.recorded().length;
    let queued = 0;
    for (let post = 0; post < 5; post += 1) {
      const events = Array.from({ length: 4 }, (_, i) => ({
        id: `drain-${post}-${i}`,
        type: 'page_view',
        userId: `user-${i}`,
        properties: { url: `https://www.example.com/drain/${post}/${i}` },
      }));
      const answer = await sendApp(proc.url, secrets, events);
      expect(answer.status).toBe(202);
      queued += answer.body.requests ?? 0;
    }
    expect(queued).toBe(20);
    proc.child.kill('SIGTERM');
    await proc.waitFor('not accepting events');
    const late = await sendApp(proc.url, secrets, { id: 'too-late', type: 'page_view', userId: 'late' }).then(
      (answer) => answer.status,
      () => 'refused',
    );
    expect(late).not.toBe(202);
    expect(await proc.exited).toBe(0);
    const urls = e2e.matomo
      .recorded()
      .slice(before)
      .map((r) => r.url);
    expect(new Set(urls).size).toBe(20);
    expect(urls.every((url) => url?.startsWith('https://www.example.com/drain/'))).toBe(true);
  });

  it('exits at once on a second signal while the drain waits on Matomo', async () => {
    const hanging = await startMatomoServer({ sites: [1], superUserTokens: [secrets.MATOMO_TOKEN] });
    try {
      await hanging.outage({ kind: 'hang' });
      const proc = serve('second-signal', {
        ...secrets,
        MATOMO_URL: hanging.url,
        TAGLANE_BATCH_WINDOW: '0',
        TAGLANE_MATOMO_TIMEOUT_MS: '600000',
      });
      await proc.waitFor(LISTENING);
      expect((await sendApp(proc.url, secrets, { id: 'stuck', type: 'page_view', userId: 'u' })).status).toBe(
        202,
      );
      // Wait until the batcher is stuck in its POST to the hanging Matomo.
      while (hanging.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      proc.child.kill('SIGTERM');
      await proc.waitFor('not accepting events');
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(1);
      expect(proc.stderr()).toContain('SIGTERM again');
    } finally {
      await hanging.close();
    }
  });

  it('exits 1 naming the undelivered messages when the drain times out; the next start delivers them', async () => {
    const hanging = await startMatomoServer({ sites: [1], superUserTokens: [secrets.MATOMO_TOKEN] });
    try {
      await hanging.outage({ kind: 'hang' });
      const proc = serve('drain-timeout', {
        ...secrets,
        MATOMO_URL: hanging.url,
        TAGLANE_BATCH_WINDOW: '0',
        TAGLANE_DRAIN_TIMEOUT: '1',
        TAGLANE_MATOMO_TIMEOUT_MS: '600000',
      });
      await proc.waitFor(LISTENING);
      expect((await sendApp(proc.url, secrets, { id: 'lost', type: 'page_view', userId: 'u' })).status).toBe(
        202,
      );
      while (hanging.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(1);
      expect(proc.stderr()).toContain('drain timed out, 1 queued message(s) were not delivered');
      expect(proc.stderr()).toContain('queue.journal and are queued again on the next start');
      expect(proc.stderr()).not.toContain('--help');
      await hanging.recover();
      const before = hanging.recorded().length;
      const next = serve('drain-timeout', { ...secrets, MATOMO_URL: hanging.url, TAGLANE_BATCH_WINDOW: '0' });
      await next.waitFor('1 message(s) from the last run queued again');
      while (hanging.recorded().length === before) await new Promise((resolve) => setTimeout(resolve, 50));
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
      // The hung bulk was never committed, so the replayed copy is the only one recorded.
      expect(hanging.recorded().filter((r) => r.uid === 'u')).toHaveLength(1);
    } finally {
      await hanging.close();
    }
  });

  it('refuses to start with invalid rules and prints where each problem is', async () => {
    const rules = join(e2e.dir, 'broken-rules');
    await mkdir(rules, { recursive: true });
    await writeFile(
      join(rules, 'broken.yaml'),
      [
        'source: broken',
        'auth:',
        '  api-key: { secrets: [TAGLANE_API_KEY] }',
        'site: 1',
        'visitor:',
        '  key: "{% userId %}"',
        'rules:',
        '  - name: typo',
        '    when: \'{% type = "x" %}\'',
        '    track:',
        '      - pageview:',
        '          urll: "{% url %}"',
        '',
      ].join('\n'),
    );
    const proc = serve('broken', { ...secrets }, ['--rules', rules]);
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toMatch(/broken\.yaml:12:11 /);
    expect(proc.stderr()).not.toContain('--help');
    expect(proc.stdout()).not.toContain(LISTENING);
  });

  it('points to --help only when a flag is wrong', async () => {
    const proc = serve('bad-flag', { ...secrets }, ['--port', 'eighty']);
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toMatch(/--port/);
    expect(proc.stderr()).toContain('(run taglane --help for usage)');
  });

  it('shows a newcomer the journey: the printed curl, then the request at /inspect', async () => {
    // No MATOMO_URL and no API key: the inspector receives, and a session key is printed.
    const proc = serve('newcomer', {});
    await proc.waitFor('curl -sS');
    const banner = proc.stdout();
    const target = /curl -sS -X POST '([^']+)'/.exec(banner)?.[1];
    const key = /x-api-key: ([^"]+)"/.exec(banner)?.[1];
    const body = /-d '([^']+)'/.exec(banner)?.[1];
    expect(target).toBe(`${proc.url}/events?source=app`);
    expect(key).toMatch(/^tl_local_[0-9a-f]+$/);
    const res = await fetch(target ?? '', {
      method: 'POST',
      headers: { 'x-api-key': key ?? '', 'content-type': 'application/json' },
      body: body ?? '',
    });
    expect(res.status).toBe(202);
    await proc.waitFor('matomo <- site 1');
    const inspected = (await (await fetch(`${proc.url}/inspect`)).json()) as {
      requests: { kind: string; outcome: string; cid: string; fields: Record<string, string> }[];
    };
    expect(inspected.requests).toHaveLength(1);
    expect(inspected.requests[0]).toMatchObject({ kind: 'pageview', outcome: 'recorded' });
    expect(inspected.requests[0]?.cid).toMatch(/^[0-9a-f]{16}$/);
    expect(inspected.requests[0]?.fields.action_name).toBe('Hello Taglane');
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  });

  it("serves the browser tracker of --tracker-file on /matomo.php and the file's own path, and says where", async () => {
    const trackerFile = join(e2e.dir, 'tracker-flag.yaml');
    await writeFile(trackerFile, 'path: /t/collect\nsites:\n  1: {}\n');
    const proc = serve('tracker-flag', {}, ['--tracker-file', trackerFile]);
    await proc.waitFor('curl -sS');
    expect(proc.stdout()).toContain(
      `Browser tracker: ${proc.url}/matomo.php, ${proc.url}/t/collect (point matomo.js's setTrackerUrl here)`,
    );
    const hit = await fetch(`${proc.url}/t/collect?idsite=1&rec=1&action_name=Flag&_id=0123456789abcdef`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('content-type')).toBe('image/gif');
    await hit.arrayBuffer();
    await proc.waitFor('matomo <- site 1');
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  });
});
