import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A counting front door to the Matomo-like server. */
export interface MatomoFront {
  readonly url: string;
  /** HTTP requests answered so far. */
  requests(): number;
  /** Bytes clients sent, headers included, read from the sockets. */
  bytes(): number;
  /** Resolves once `n` requests have been answered. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sits between a sender and the Matomo-like test server (which only takes bulk POSTs): counts
 * requests and the bytes on the wire, forwards bulk POSTs as they are, and turns a single
 * tracking GET (`/matomo.php?idsite=1&rec=1&...`, what `matomo-tracker`'s `track()` sends) into
 * a one-request bulk, its `token_auth` moved to the top level as Matomo reads it. So all
 * senders are judged by the same Matomo model.
 */
export async function startMatomoFront(matomoUrl: string): Promise<MatomoFront> {
  const sockets = new Set<Socket>();
  let answered = 0;
  let waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    forward(req, matomoUrl).then(
      ({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      },
      (error: unknown) => {
        res.writeHead(502);
        res.end(String(error));
      },
    );
    res.on('finish', () => {
      answered += 1;
      const due = waiters.filter((w) => answered >= w.n);
      waiters = waiters.filter((w) => answered < w.n);
      for (const w of due) w.resolve();
    });
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => answered,
    bytes: () => [...sockets].reduce((sum, s) => sum + s.bytesRead, 0),
    waitFor: (n) =>
      answered >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function forward(req: IncomingMessage, matomoUrl: string): Promise<{ status: number; body: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body = Buffer.concat(chunks).toString('utf8');
  const [path, query = ''] = (req.url ?? '').split('?');
  if (req.method === 'GET') {
    const params = new URLSearchParams(query);
    const token = params.get('token_auth');
    params.delete('token_auth');
    body = JSON.stringify({ requests: [`?${params}`], ...(token ? { token_auth: token } : {}) });
  }
  const answer = await fetch(`${matomoUrl}${path}`, { method: 'POST', body });
  return { status: answer.status, body: await answer.text() };
}
