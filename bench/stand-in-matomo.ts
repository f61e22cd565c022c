/**
 * A stand-in Matomo in its own process (started by `bench/stand-in.ts` with `fork`): answers
 * every `/matomo.php` request at once, a GET as one tracking request and a bulk POST as its
 * `requests`, and counts them alike for every sender. It keeps each request's visitor and
 * `cdt` so the bench can check time order per visitor. No model of visits: that is what the
 * real Matomo part of the bench is for.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the parent asks over IPC. */
export type StandInCommand =
  | { readonly kind: 'stats' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'wait'; readonly n: number };

/** The counts answered to `stats`. */
export interface StandInStats {
  readonly httpRequests: number;
  readonly trackingRequests: number;
  /** Bytes clients sent, headers included, read from the sockets. */
  readonly bytes: number;
  /** Visitor (`cid`, else `uid`, else `_id`) and `cdt` of each tracking request, in arrival order. */
  readonly recorded: readonly (readonly [string, number])[];
}

const sockets = new Set<Socket>();
let closedBytes = 0;
let httpRequests = 0;
let recorded: [string, number][] = [];
let waiting: number | undefined;

/** Answers a pending `wait` once enough tracking requests came in. */
function wake(): void {
  if (waiting !== undefined && recorded.length >= waiting) {
    waiting = undefined;
    process.send?.({ kind: 'waited' });
  }
}

function note(query: string): void {
  const p = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  recorded.push([p.get('cid') ?? p.get('uid') ?? p.get('_id') ?? '', Number(p.get('cdt') ?? 0)]);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    httpRequests += 1;
    let count = 1;
    if (req.method === 'GET') note((req.url ?? '').split('?')[1] ?? '');
    else {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { requests?: string[] };
      const requests = body.requests ?? [];
      for (const q of requests) note(q);
      count = requests.length;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', tracked: count, invalid: 0, invalid_indices: [] }));
    wake();
  });
});
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => {
    closedBytes += socket.bytesRead;
    sockets.delete(socket);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ kind: 'ready', port: (server.address() as AddressInfo).port });
});
process.on('message', (command: StandInCommand) => {
  if (command.kind === 'wait') {
    waiting = command.n;
    wake();
    return;
  }
  if (command.kind === 'reset') {
    httpRequests = 0;
    recorded = [];
    closedBytes = -[...sockets].reduce((sum, s) => sum + s.bytesRead, 0);
    process.send?.({ kind: 'reset' });
    return;
  }
  const bytes = closedBytes + [...sockets].reduce((sum, s) => sum + s.bytesRead, 0);
  const stats: StandInStats = { httpRequests, trackingRequests: recorded.length, bytes, recorded };
  process.send?.({ kind: 'stats', stats });
});
process.on('disconnect', () => process.exit(0));
