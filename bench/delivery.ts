import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVE_BATCH_DEFAULTS } from '../src/local/defaults.ts';
import { startServer } from '../src/local/server.ts';
import {
  handMapped,
  type PageView,
  pageViews,
  sendInBulks,
  sendWithMatomoTracker,
  type Target,
} from './delivery-senders.ts';
import { type StandIn, type StandInStats, startStandIn } from './stand-in.ts';
import { median, pairedRatio, round } from './stats.ts';

const API_KEY = 'bench-api-key';
const STAND_IN_TOKEN = 'bench-write-token';

/** One sender's figures, medians over the rounds. */
export interface DeliveryResult {
  readonly sender: string;
  readonly wallMs: number;
  /** This sender's time over the hand-written sequential bulk sender's, median of per-round ratios. */
  readonly vsBulk: number;
  /** Every round's wall time, in round order. */
  readonly samplesMs: readonly number[];
  /** Stand-in only: what reached it. */
  readonly httpRequests?: number;
  readonly recorded?: number;
  readonly kbSent?: number;
  /** Stand-in only: visitors whose requests arrived out of time order (must be 0). */
  readonly visitorsOutOfOrder?: number;
}

/** Item 3: into the stand-in, and into a real Matomo when one is configured. */
export interface DeliveryParts {
  readonly standIn: { readonly events: number; readonly rounds: number; readonly results: DeliveryResult[] };
  readonly matomo?: { readonly events: number; readonly rounds: number; readonly results: DeliveryResult[] };
  /** `taglane serve`'s batching flags as measured (the shipped defaults). */
  readonly serveDefaults: { readonly batchSize: number; readonly batchWindowSeconds: number };
}

interface Sample {
  readonly wallMs: number;
  readonly stats?: StandInStats;
}
type Sender = (target: Target, events: readonly PageView[]) => Promise<Sample>;

const BULK = 'hand-written bulks of 100, sequential';

/** What the bench knows about the real Matomo, from MATOMO_URL and MATOMO_TOKEN. */
export interface RealMatomo {
  readonly url: string;
  readonly token: string;
  readonly events: number;
  readonly rounds: number;
}

/**
 * Page views of `visitors` people through each sender into the stand-in Matomo (its own
 * process, answering at once), rounds alternating the order; then, with `matomo`, the same into
 * a real Matomo. Taglane runs `taglane serve`'s pipeline with the shipped batching defaults;
 * the baselines map the events by hand first (that time counts for them).
 */
export async function measureDelivery(
  events: number,
  visitors: number,
  rounds: number,
  matomo?: RealMatomo,
): Promise<DeliveryParts> {
  const views = pageViews(events, visitors);
  const standIn = await startStandIn();
  const local = await inRounds(
    rounds,
    {
      'taglane serve, shipped defaults': (t, e) => timed(standIn, e.length, () => throughTaglane(t, e)),
      'matomo-tracker, one GET each (50 in flight)': (t, e) =>
        timed(standIn, e.length, () => sendWithMatomoTracker(t, handMapped(e))),
      [BULK]: (t, e) => timed(standIn, e.length, () => sendInBulks(t, handMapped(e))),
    },
    { url: standIn.url, token: STAND_IN_TOKEN },
    views,
  ).finally(() => standIn.close());
  const serveDefaults = {
    batchSize: Number(SERVE_BATCH_DEFAULTS.batchSize),
    batchWindowSeconds: Number(SERVE_BATCH_DEFAULTS.batchWindow),
  };
  if (matomo === undefined) return { standIn: { events, rounds, results: local }, serveDefaults };
  const real = await inRounds(
    matomo.rounds,
    {
      'taglane serve, shipped defaults': (t, e) => clocked(() => throughTaglane(t, e)),
      'matomo-tracker, one GET each (50 in flight)': (t, e) =>
        clocked(() => sendWithMatomoTracker(t, handMapped(e))),
      [BULK]: (t, e) => clocked(() => sendInBulks(t, handMapped(e))),
      // Matomo's own limit here: as many bulks in flight as its PHP server has workers.
      'hand-written bulks of 100, 4 in flight': (t, e) =>
        clocked(() => sendInBulks(t, handMapped(e), 100, 4)),
    },
    matomo,
    pageViews(matomo.events, visitors),
  );
  return {
    standIn: { events, rounds, results: local },
    matomo: { events: matomo.events, rounds: matomo.rounds, results: real },
    serveDefaults,
  };
}

/** Runs every sender once per round, the order rotating, and sums up each sender's samples. */
async function inRounds(
  rounds: number,
  senders: Record<string, Sender>,
  target: Target,
  events: readonly PageView[],
): Promise<DeliveryResult[]> {
  const names = Object.keys(senders);
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r += 1) {
    for (let k = 0; k < names.length; k += 1) {
      const name = names[(r + k) % names.length] ?? '';
      process.stderr.write(`bench: delivery round ${r + 1}/${rounds}: ${name}\n`);
      samples.get(name)?.push((await senders[name]?.(target, events)) ?? { wallMs: Number.NaN });
    }
  }
  const bulk = (samples.get(BULK) ?? []).map((s) => s.wallMs);
  return names.map((sender) => {
    const s = samples.get(sender) ?? [];
    const wall = s.map((x) => x.wallMs);
    const stats = s.flatMap((x) => (x.stats ? [x.stats] : []));
    return {
      sender,
      wallMs: round(median(wall), 0),
      vsBulk: round(pairedRatio(wall, bulk)),
      samplesMs: wall.map((ms) => round(ms, 0)),
      ...(stats.length === 0
        ? {}
        : {
            httpRequests: median(stats.map((x) => x.httpRequests)),
            recorded: median(stats.map((x) => x.trackingRequests)),
            kbSent: round(median(stats.map((x) => x.bytes)) / 1024, 0),
            visitorsOutOfOrder: Math.max(...stats.map((x) => outOfOrder(x.recorded))),
          }),
    };
  });
}

/** When a sender's own clock ran, if it is not the call itself (Taglane's start-up is not delivery). */
interface Clocked {
  readonly startedAt: number;
  readonly endedAt: number;
}

const clockOf = (sent: unknown, start: number, end: number): { start: number; end: number } =>
  typeof sent === 'object' && sent !== null && 'startedAt' in sent
    ? { start: (sent as Clocked).startedAt, end: (sent as Clocked).endedAt }
    : { start, end };

/** Times `send` until the stand-in has answered `expected` tracking requests. */
async function timed(standIn: StandIn, expected: number, send: () => Promise<unknown>): Promise<Sample> {
  await standIn.reset();
  const arrived = standIn.waitFor(expected).then(() => performance.now());
  const start = performance.now();
  const sent = await send();
  const end = await arrived;
  const clock = clockOf(sent, start, end);
  return { wallMs: end - clock.start, stats: await standIn.stats() };
}

/** Times `send` until it resolved (a real Matomo counts nothing for us). */
async function clocked(send: () => Promise<unknown>): Promise<Sample> {
  const start = performance.now();
  const sent = await send();
  const clock = clockOf(sent, start, performance.now());
  return { wallMs: clock.end - clock.start };
}

/**
 * The events POSTed 100 at a time to `taglane serve`'s pipeline (`startServer`, the shipped
 * batching defaults), then drained. The clock starts once the pipeline is up: start-up is not
 * delivery; it stops once the queue is empty.
 */
async function throughTaglane(target: Target, events: readonly PageView[]): Promise<Clocked> {
  const dataDir = await mkdtemp(join(tmpdir(), 'taglane-bench-'));
  const problems: string[] = [];
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir,
    matomoUrl: target.url,
    batchSize: Number(SERVE_BATCH_DEFAULTS.batchSize),
    batchWindowMs: Math.round(Number(SERVE_BATCH_DEFAULTS.batchWindow) * 1000),
    reorderWindowSeconds: 0,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 5,
    drainTimeoutMs: 300_000,
    env: {
      TAGLANE_API_KEY: API_KEY,
      MATOMO_TOKEN: target.token,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
    print: (line) => {
      // Not a bare "dead": the lines carry random hex ids ("…-bf2e-dead5d5710b7").
      if (/dead[- ]?letter|fail|error/i.test(line)) problems.push(line);
    },
  });
  try {
    const startedAt = performance.now();
    for (let from = 0; from < events.length; from += 100) {
      const answer = await fetch(`${server.url}/events?source=app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify(events.slice(from, from + 100)),
      });
      if (answer.status !== 202) throw new Error(`taglane answered ${answer.status}: ${await answer.text()}`);
    }
    const left = await server.drain(300_000);
    if (left > 0) throw new Error(`${left} messages still queued after 300 s`);
    const endedAt = performance.now();
    if (problems.length > 0) throw new Error(`taglane reported: ${problems.slice(0, 3).join(' | ')}`);
    return { startedAt, endedAt };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function outOfOrder(recorded: readonly (readonly [string, number])[]): number {
  const last = new Map<string, number>();
  const bad = new Set<string>();
  for (const [visitor, at] of recorded) {
    if ((last.get(visitor) ?? Number.NEGATIVE_INFINITY) > at) bad.add(visitor);
    last.set(visitor, at);
  }
  return bad.size;
}
