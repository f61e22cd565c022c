import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';

/**
 * A real TCP proxy on 127.0.0.1 in front of the shared real Matomo, so a suite can take
 * "Matomo" down for Taglane alone (never the shared Matomo itself, which other suites use):
 * `up` forwards every request unchanged, `503` answers each one 503 as an overloaded Matomo
 * does, `reset` accepts connections and closes them at once, before any HTTP is spoken.
 */
export type ProxyState = 'up' | '503' | 'reset';

/** The running proxy and what it saw. */
export interface MatomoProxy {
  /** Base URL to give Taglane as its Matomo. */
  readonly url: string;
  /** The parameters of every tracking request it refused with a 503, in order. */
  readonly refused: readonly URLSearchParams[];
  /** Connections closed unanswered in the `reset` state. */
  readonly resets: number;
  /** Requests forwarded to Matomo. */
  readonly forwarded: number;
  set(state: ProxyState): void;
  close(): Promise<void>;
}

/** Starts the proxy in front of `target` (Matomo's base URL), `up` to begin with. */
export async function startMatomoProxy(target: string): Promise<MatomoProxy> {
  const upstream = new URL(target);
  let state: ProxyState = 'up';
  const refused: URLSearchParams[] = [];
  let resets = 0;
  let forwarded = 0;
  const sockets = new Set<Socket>();
  const http = createHttpServer(async (req, res) => {
    const body = await readAll(req);
    if (state !== 'up') {
      refused.push(...trackingRequests(req.url ?? '', body));
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('Matomo is down');
      return;
    }
    forwarded += 1;
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', (error) => res.destroy(error));
    out.end(body);
  });
  const tcp = createTcpServer((socket) => {
    if (state === 'reset') {
      resets += 1;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    http.emit('connection', socket);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const address = tcp.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    refused,
    get resets() {
      return resets;
    },
    get forwarded() {
      return forwarded;
    },
    set(next) {
      state = next;
      // Kept-alive connections would carry on: a reset means every open connection too.
      if (next === 'reset') for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The tracking requests of a bulk (`{"requests": ["?…"]}`) or of a single query string. */
function trackingRequests(url: string, body: Buffer): URLSearchParams[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { requests?: unknown };
    if (Array.isArray(parsed.requests)) {
      return parsed.requests.map((r) => new URLSearchParams(String(r).replace(/^[^?]*\?/, '')));
    }
  } catch {
    // Not a bulk: the request's own query string.
  }
  return [new URL(url, 'http://proxy').searchParams];
}
