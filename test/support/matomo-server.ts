import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type BulkEmulation,
  type EmulatedVisit,
  type EmulatorConfig,
  type EmulatorState,
  emptyEmulatorState,
  emulateBulk,
  parseBulkBody,
  type TrackingParams,
} from '../../src/matomo/emulator.ts';

/** Knobs of the Matomo-like server; see `src/matomo/emulator.ts` for what they change. */
export interface MatomoServerOptions extends Omit<EmulatorConfig, 'now'> {
  /** Bodies larger than this get a 413, like a web server's limit. @default 8 MiB */
  readonly maxBodyBytes?: number;
  /** Matomo's clock in unix seconds. @default the real time */
  readonly now?: () => number;
}

/** How the server misbehaves until {@link TestMatomo.recover} is called. */
export type Outage =
  | { readonly kind: 'refuse' }
  | { readonly kind: 'status'; readonly status: 429 | 500 | 502 | 503 | 504 }
  | { readonly kind: 'hang' }
  /**
   * `rate` of the bulks (0–1), drawn by a PRNG seeded with `seed`, fail as a crashing Matomo
   * does: 500 and nothing recorded (rolled back). The others are emulated as usual.
   */
  | { readonly kind: 'flaky'; readonly rate: number; readonly seed: number };

/** One bulk POST as the server saw it, in arrival order. */
export interface ReceivedBulk {
  readonly body: string;
  readonly status: number;
  readonly emulation: BulkEmulation | undefined;
}

/** A running Matomo-like server on 127.0.0.1. */
export interface TestMatomo {
  /** Base URL; bulks go to `${url}/matomo.php`. */
  readonly url: string;
  /** Every bulk received, in order (including those answered with an outage). */
  readonly received: ReceivedBulk[];
  /** Requests Matomo committed, in the order it recorded them. */
  recorded(): TrackingParams[];
  /** The same requests with the visit each was recorded in. */
  placements(): { readonly params: TrackingParams; readonly idvisit: number }[];
  /** The visits as Matomo formed them (visitor id rewrites and fingerprint joins included). */
  visits(): readonly EmulatedVisit[];
  outage(outage: Outage): Promise<void>;
  recover(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a Matomo-like HTTP server on a random loopback port, answering like `/matomo.php`. */
export async function startMatomoServer(options: MatomoServerOptions): Promise<TestMatomo> {
  const received: ReceivedBulk[] = [];
  const recorded: { readonly params: TrackingParams; readonly idvisit: number }[] = [];
  const hanging = new Set<ServerResponse>();
  let state: EmulatorState = emptyEmulatorState();
  let current: Outage | undefined;
  let flakyDraw = mulberry32(0);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const answer = (status: number, json?: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/matomo.php')
      return answer(404, { error: 'not found' });
    if (current?.kind === 'hang') {
      received.push({ body, status: 0, emulation: undefined });
      hanging.add(res);
      return;
    }
    if (current?.kind === 'flaky' && flakyDraw() < current.rate) {
      received.push({ body, status: 500, emulation: undefined });
      return answer(500, { status: 'error', tracked: 0, message: 'flaky' });
    }
    if (current?.kind === 'status') {
      received.push({ body, status: current.status, emulation: undefined });
      return answer(current.status, { message: 'outage' });
    }
    if (Buffer.byteLength(body) > (options.maxBodyBytes ?? 8 * 1024 * 1024)) {
      received.push({ body, status: 413, emulation: undefined });
      return answer(413, { message: 'Request Entity Too Large' });
    }
    const sender = {
      ip: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      userAgent: req.headers['user-agent'] ?? '',
      ...(req.headers['accept-language'] ? { language: req.headers['accept-language'] } : {}),
    };
    const emulation = emulateBulk(parseBulkBody(body), { ...options, now: now(), sender }, state);
    state = emulation.state;
    if (emulation.status !== 500) {
      for (const outcome of emulation.outcomes)
        if (outcome.kind === 'recorded') recorded.push({ params: outcome.params, idvisit: outcome.idvisit });
    }
    received.push({ body, status: emulation.status, emulation });
    answer(emulation.status, emulation.response);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const releaseHanging = (): void => {
    for (const res of hanging) res.destroy();
    hanging.clear();
  };
  await listen(0);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    recorded: () => recorded.map((r) => r.params),
    placements: () => [...recorded],
    visits: () => state.visits,
    outage: async (outage) => {
      current = outage;
      if (outage.kind === 'flaky') flakyDraw = mulberry32(outage.seed);
      if (outage.kind === 'refuse') await stop();
    },
    recover: async () => {
      const wasRefusing = current?.kind === 'refuse';
      current = undefined;
      releaseHanging();
      if (wasRefusing) await listen(port);
    },
    close: async () => {
      releaseHanging();
      if (server.listening) await stop();
    },
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same failures on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
