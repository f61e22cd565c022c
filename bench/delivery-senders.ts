import type { request } from 'node:http';
import { createRequire } from 'node:module';
import { hashVisitorKey, syntheticIp, userVisitorId } from '../src/identity/index.ts';
import { requestId } from '../src/rules/index.ts';

/** One page view as the bench POSTs it to Taglane (`rules/app.yaml`'s page_view rule). */
export interface PageView {
  readonly id: string;
  readonly type: 'page_view';
  readonly timestamp: number;
  readonly userId: string;
  readonly properties: { readonly url: string; readonly title: string };
}

/** `events` page views of `visitors` people, 4 per second of event time ending an hour ago. */
export function pageViews(events: number, visitors: number): PageView[] {
  const base = Math.floor(Date.now() / 1000) - 3600 - Math.ceil(events / 4);
  return Array.from({ length: events }, (_, n) => ({
    id: `evt_bench_${n}`,
    type: 'page_view',
    timestamp: base + Math.floor(n / 4),
    userId: `user_${n % visitors}`,
    properties: { url: `https://www.example.com/p/${n}`, title: `Page ${n}` },
  }));
}

const SECRET = 'bench-visitor-secret';

/**
 * The hand-written mapping the baselines send: the same Matomo parameters Taglane's page_view
 * rule produces, with the engine's primitives (request id hash, uid-derived `cid`, synthetic
 * `cip`), in time order. Written out, not run through the rules.
 */
export function handMapped(events: readonly PageView[]): Record<string, string>[] {
  return events.map((e) => ({
    idsite: '1',
    rec: '1',
    apiv: '1',
    action_name: e.properties.title,
    url: e.properties.url,
    uid: e.userId,
    cdt: String(e.timestamp),
    _rid: requestId('app', e.id, 'page view', 0),
    cid: userVisitorId(e.userId),
    cip: syntheticIp(hashVisitorKey(e.userId, SECRET).slice(0, 16)),
  }));
}

/** Where a baseline sends: Matomo's tracking endpoint and a token with write access. */
export interface Target {
  readonly url: string;
  readonly token: string;
}

/** A hand-written bulk sender: bulks of `size`, `lanes` of them in flight, each lane sequential. */
export async function sendInBulks(
  target: Target,
  params: readonly Record<string, string>[],
  size = 100,
  lanes = 1,
): Promise<number> {
  const bulks: string[][] = [];
  for (let from = 0; from < params.length; from += size) {
    bulks.push(params.slice(from, from + size).map((p) => `?${new URLSearchParams(p)}`));
  }
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let bulk = bulks[next++]; bulk !== undefined; bulk = bulks[next++]) {
      const answer = await fetch(`${target.url}/matomo.php`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ requests: bulk, token_auth: target.token }),
      });
      const text = await answer.text();
      if (answer.status !== 200) throw new Error(`bulk answered ${answer.status}: ${text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return bulks.length;
}

interface MatomoTrackerLike {
  agent: { get: typeof request };
  track(options: Record<string, string>): void;
  on(event: 'error', listener: (error: unknown) => void): void;
}
const MatomoTracker = createRequire(import.meta.url)('matomo-tracker') as new (
  siteId: number,
  url: string,
) => MatomoTrackerLike;

/**
 * One GET per request with `matomo-tracker`'s `track()`. It is fire-and-forget and never reads
 * the answer, so its HTTP module is wrapped to read each answer and count it (as any caller
 * that must know its events arrived would); at most `inFlight` are open at once, which keeps
 * the sockets under the file limit.
 */
export async function sendWithMatomoTracker(
  target: Target,
  params: readonly Record<string, string>[],
  inFlight = 50,
): Promise<number> {
  const tracker = new MatomoTracker(1, `${target.url}/matomo.php`);
  const errors: unknown[] = [];
  tracker.on('error', (error) => errors.push(error));
  let answered = 0;
  let wake: (() => void) | undefined;
  const http = await import('node:http');
  tracker.agent = {
    get: ((url: string, callback: (res: import('node:http').IncomingMessage) => void) =>
      http.get(url, (res) => {
        callback(res);
        res.resume();
        res.on('end', () => {
          answered += 1;
          wake?.();
        });
      })) as typeof request,
  };
  const waitUntil = (n: number): Promise<void> =>
    answered >= n
      ? Promise.resolve()
      : new Promise((resolve) => {
          wake = () => {
            if (answered >= n) resolve();
          };
        });
  for (const [sent, p] of params.entries()) {
    await waitUntil(sent - inFlight + 1);
    const { idsite: _site, rec: _rec, ...rest } = p;
    tracker.track({ ...rest, token_auth: target.token });
  }
  await waitUntil(params.length);
  if (errors.length > 0) throw new Error(`matomo-tracker reported ${errors.length} errors: ${errors[0]}`);
  return params.length;
}
