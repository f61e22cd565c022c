import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/local/server.ts';
import type { TrackingParams } from '../src/matomo/emulator.ts';
import { startMatomoServer } from '../test/support/matomo-server.ts';
import { type MatomoFront, startMatomoFront } from './matomo-front.ts';
import { median, round } from './stats.ts';

const TOKEN = 'bench-write-token';
const API_KEY = 'bench-api-key';

interface MatomoTrackerLike {
  track(options: Record<string, string>): void;
  on(event: 'error', listener: (error: unknown) => void): void;
}
const MatomoTracker = createRequire(import.meta.url)('matomo-tracker') as new (
  siteId: number,
  url: string,
) => MatomoTrackerLike;

/** One sender's figures for item 3, medians over the rounds. */
export interface DeliveryResult {
  readonly sender: string;
  readonly httpRequests: number;
  readonly kbSent: number;
  readonly wallMs: number;
  readonly recorded: number;
  /** Visitors whose requests Matomo recorded out of time order (must be 0). */
  readonly visitorsOutOfOrder: number;
  /** Taglane only: ms until every POST was answered 202 (the rest of the wall time is draining). */
  readonly acceptMs?: number;
}

interface Run {
  readonly httpRequests: number;
  readonly bytes: number;
  readonly wallMs: number;
  readonly recorded: TrackingParams[];
}

/** What a sender did: HTTP requests Matomo should see, and when its clock started if not at the call. */
interface Sent {
  readonly expected: number;
  readonly startedAt?: number;
}
type Sender = (front: MatomoFront, params: readonly TrackingParams[]) => Promise<Sent>;

/**
 * 10,000 page views of 500 visitors through `taglane serve`'s pipeline, then the very requests
 * Taglane delivered sent again by `matomo-tracker` (one GET each) and by a hand-written bulk
 * sender (chunks of 100), each into a fresh Matomo-like server behind a counting front.
 */
export async function measureDelivery(
  events: number,
  visitors: number,
  rounds: number,
): Promise<DeliveryResult[]> {
  const runs = new Map<string, Run[]>([
    ['taglane serve', []],
    ['matomo-tracker, one GET each', []],
    ['hand-written bulk of 100', []],
  ]);
  const acceptMs: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const taglane = await measure((front) =>
      deliverThroughTaglane(front, events, visitors, (ms) => acceptMs.push(ms)),
    );
    runs.get('taglane serve')?.push(taglane);
    const params = taglane.recorded;
    runs
      .get('matomo-tracker, one GET each')
      ?.push(await measure((front) => sendWithMatomoTracker(front, params)));
    runs.get('hand-written bulk of 100')?.push(await measure((front) => sendInBulks(front, params)));
  }
  return [...runs].map(([sender, r]) => ({
    sender,
    httpRequests: median(r.map((x) => x.httpRequests)),
    kbSent: round(median(r.map((x) => x.bytes)) / 1024, 0),
    wallMs: round(median(r.map((x) => x.wallMs)), 0),
    recorded: median(r.map((x) => x.recorded.length)),
    visitorsOutOfOrder: Math.max(...r.map((x) => outOfOrder(x.recorded))),
    ...(sender === 'taglane serve' ? { acceptMs: round(median(acceptMs), 0) } : {}),
  }));
}

async function measure(send: (front: MatomoFront) => Promise<Sent>): Promise<Run> {
  const matomo = await startMatomoServer({ sites: [1], writeTokens: [TOKEN] });
  const front = await startMatomoFront(matomo.url);
  try {
    const start = performance.now();
    const sent = await send(front);
    await front.waitFor(sent.expected);
    const wallMs = performance.now() - (sent.startedAt ?? start);
    return { httpRequests: front.requests(), bytes: front.bytes(), wallMs, recorded: matomo.recorded() };
  } finally {
    await front.close();
    await matomo.close();
  }
}

/** Resolves with the HTTP requests Matomo should have seen, once all were answered. */
async function deliverThroughTaglane(
  front: MatomoFront,
  events: number,
  visitors: number,
  onAccepted: (ms: number) => void,
): Promise<Sent> {
  const dataDir = await mkdtemp(join(tmpdir(), 'taglane-bench-'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir,
    matomoUrl: front.url,
    batchSize: 100,
    batchWindowMs: 200,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 5,
    drainTimeoutMs: 120_000,
    env: {
      TAGLANE_API_KEY: API_KEY,
      MATOMO_TOKEN: TOKEN,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
  });
  try {
    // The clock starts once the pipeline is up: start-up is not delivery.
    const startedAt = performance.now();
    const base = Math.floor(Date.now() / 1000) - 3600;
    for (let from = 0; from < events; from += 100) {
      const body = Array.from({ length: Math.min(100, events - from) }, (_, k) =>
        pageView(from + k, visitors, base),
      );
      const answer = await fetch(`${server.url}/events?source=app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify(body),
      });
      if (answer.status !== 202) throw new Error(`taglane answered ${answer.status}: ${await answer.text()}`);
    }
    onAccepted(performance.now() - startedAt);
    const left = await server.drain(120_000);
    if (left > 0) throw new Error(`${left} messages still queued after 120 s`);
    return { expected: front.requests(), startedAt };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function pageView(n: number, visitors: number, base: number): Record<string, unknown> {
  return {
    id: `evt_bench_${n}`,
    type: 'page_view',
    timestamp: base + Math.floor(n / 4),
    userId: `user_${n % visitors}`,
    properties: { url: `https://www.example.com/p/${n}`, title: `Page ${n}` },
  };
}

/** `track()` is fire-and-forget; waves of 50 keep the open sockets under the fd limit. */
const sendWithMatomoTracker: Sender = async (front, params) => {
  const tracker = new MatomoTracker(1, `${front.url}/matomo.php`);
  const errors: unknown[] = [];
  tracker.on('error', (error) => errors.push(error));
  for (let from = 0; from < params.length; from += 50) {
    const wave = params.slice(from, from + 50);
    for (const p of wave) tracker.track({ ...p, token_auth: TOKEN });
    await front.waitFor(from + wave.length);
  }
  if (errors.length > 0) throw new Error(`matomo-tracker reported ${errors.length} errors`);
  return { expected: params.length };
};

const sendInBulks: Sender = async (front, params) => {
  for (let from = 0; from < params.length; from += 100) {
    const requests = params.slice(from, from + 100).map((p) => `?${new URLSearchParams(p)}`);
    const answer = await fetch(`${front.url}/matomo.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests, token_auth: TOKEN }),
    });
    await answer.text();
  }
  return { expected: Math.ceil(params.length / 100) };
};

function outOfOrder(recorded: readonly TrackingParams[]): number {
  const last = new Map<string, number>();
  const bad = new Set<string>();
  for (const p of recorded) {
    const visitor = p.cid ?? p.uid ?? p._id ?? '';
    const at = Number(p.cdt);
    if ((last.get(visitor) ?? Number.NEGATIVE_INFINITY) > at) bad.add(visitor);
    last.set(visitor, at);
  }
  return bad.size;
}
