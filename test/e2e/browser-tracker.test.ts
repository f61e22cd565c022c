import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { InspectedRequest } from '../../src/local/inspector.ts';
import type { RunningServer } from '../../src/local/server.ts';
import { perFile } from '../support/lifecycle.ts';
import { tempDirPerFile } from '../support/temp-dir.ts';
import { startTrackerServer } from './tracker-server.ts';

/** The part of Matomo's Node tracker (npm `matomo-tracker`, no types of its own) used here. */
interface NodeTracker {
  track(options: Record<string, string | number>): void;
  trackBulk(events: Record<string, string | number>[], callback: (body: string) => void): void;
  on(event: 'error', listener: (error: unknown) => void): void;
}
type NodeTrackerClass = new (siteId: number, trackerUrl: string) => NodeTracker;
const MatomoTracker = createRequire(import.meta.url)('matomo-tracker') as NodeTrackerClass;

const temp = tempDirPerFile('taglane-browser-tracker-');
const server = perFile(
  'the server',
  async (): Promise<RunningServer> => {
    return startTrackerServer(
      temp.path,
      'path: /t/collect\nsites:\n  1: { anonymiseIp: 1 }\n  2: { consent: drop }\n  3: { consent: strip }\n',
    );
  },
  (s) => s.close(),
);

/** Waits until the inspector has `count` requests (the Node tracker's GET is fire and forget). */
async function inspected(count: number): Promise<readonly InspectedRequest[]> {
  for (;;) {
    await server.current.drain(30_000);
    const seen = server.current.inspected();
    if (seen.length >= count) return seen;
    await sleep(50);
  }
}

const VISITOR = '0123456789abcdef';

describe("Matomo's Node tracker and the JavaScript tracker's forms through taglane serve", {
  timeout: 60_000,
}, () => {
  it('delivers GET, bulk, beacon and form POST hits to the inspector with the ids as sent', async () => {
    const url = `${server.current.url}/matomo.php`;
    const tracker = new MatomoTracker(1, url);
    const errors: unknown[] = [];
    tracker.on('error', (error) => errors.push(error));
    tracker.track({ url: 'https://shop.example/', action_name: 'Home', _id: VISITOR, uid: 'alice', r: '1' });
    await inspected(1);
    const bulkAnswer = await new Promise<string>((resolve) =>
      tracker.trackBulk(
        [
          { url: 'https://shop.example/search', search: 'shoes', search_count: 3, _id: VISITOR, r: '2' },
          { url: 'https://shop.example/p/1', e_c: 'Video', e_a: 'Play', _id: VISITOR, r: '3' },
        ],
        resolve,
      ),
    );
    expect(JSON.parse(bulkAnswer)).toEqual({ status: 'success', tracked: 2, invalid: 0 });
    const ua = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36' };
    const beacon = await fetch(
      `${url}?idsite=1&rec=1&send_image=0&link=https%3A%2F%2Fout.example%2F&url=https%3A%2F%2Fshop.example%2F&_id=${VISITOR}&r=4`,
      {
        method: 'POST',
        headers: { ...ua, 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' },
      },
    );
    expect(beacon.status).toBe(204);
    expect(beacon.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const form = await fetch(url, {
      method: 'POST',
      headers: { ...ua, 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: `idsite=1&rec=1&idgoal=0&ec_id=order-1&revenue=49.9&url=https%3A%2F%2Fshop.example%2Fthanks&_id=${VISITOR}&r=5`,
    });
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toBe('image/gif');
    expect((await form.arrayBuffer()).byteLength).toBe(43);
    const noConsent = await fetch(`${url}?idsite=2&rec=1&url=https%3A%2F%2Fb.example%2F&_id=${VISITOR}`);
    expect(noConsent.status).toBe(200);
    expect(noConsent.headers.get('x-taglane-dropped')).toBe('1 without consent');

    const seen = await inspected(5);
    expect(errors).toEqual([]);
    expect(seen).toHaveLength(5);
    expect(seen.every((r) => r.outcome === 'recorded' && r.site === '1')).toBe(true);
    const byR = new Map(seen.map((r) => [r.params.r, r.params]));
    expect(byR.get('1')).toMatchObject({ action_name: 'Home', _id: VISITOR, uid: 'alice', cip: '127.0.0.0' });
    expect(byR.get('1')?.cid).toBeUndefined();
    expect(byR.get('2')).toMatchObject({ search: 'shoes', search_count: '3' });
    expect(byR.get('3')).toMatchObject({ e_c: 'Video', e_a: 'Play' });
    expect(byR.get('4')).toMatchObject({ link: 'https://out.example/', ua: ua['user-agent'] });
    expect(byR.get('5')).toMatchObject({ ec_id: 'order-1', revenue: '49.9', idgoal: '0' });
    expect(seen.every((r) => r.params._id === VISITOR)).toBe(true);
  });

  it("serves the tracker file's first-party path like /matomo.php, and nothing else new", async () => {
    const before = server.current.inspected().length;
    const url = `${server.current.url}/t/collect?idsite=1&rec=1&send_image=0&action_name=First%20party&_id=${VISITOR}&r=6`;
    const beacon = await fetch(url, { method: 'POST', headers: { origin: 'https://shop.example' } });
    expect(beacon.status).toBe(204);
    expect(beacon.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const seen = await inspected(before + 1);
    expect(seen.at(-1)?.params).toMatchObject({ action_name: 'First party', _id: VISITOR, r: '6' });
    const other = await fetch(`${server.current.url}/t/other?idsite=1&rec=1`);
    expect(other.status).toBe(404);
    await other.body?.cancel();
  });

  it('shows every consent drop and strip in the debugger: not queued and why, or what was removed', async () => {
    const base = `${server.current.url}/matomo.php?rec=1&url=https%3A%2F%2Fb.example%2F&_id=${VISITOR}`;
    const dropped = await fetch(`${base}&idsite=2&r=7`);
    expect(dropped.headers.get('x-taglane-dropped')).toBe('1 without consent');
    await dropped.arrayBuffer();
    const stripped = await fetch(`${base}&idsite=3&r=8`);
    expect(stripped.status).toBe(200);
    await stripped.arrayBuffer();
    const entries = server.current.debugger.store.list();
    const drop = entries.find((e) => e.path === '/matomo.php' && e.dropped !== undefined);
    expect(drop).toMatchObject({ outcome: 'ignored', dropped: '1 without consent', requests: [] });
    const strip = entries.at(-1);
    expect(strip?.outcome).toBe('accepted');
    expect(strip?.requests[0]?.params._id).toBeUndefined();
    expect(strip?.requests[0]?.warnings).toContain(
      '_id: removed: no consent=1 and the site has consent: strip',
    );
  });
});
