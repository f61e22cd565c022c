import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type EmulatorState,
  emptyEmulatorState,
  emulateBulk,
  parseBulkBody,
  type RequestOutcome,
  type TrackingParams,
} from '../matomo/emulator.ts';
import type { RequestWarning } from '../tracking/queued-request.ts';
import { describeRequest, keyFields, type RequestKind, requestKind } from './describe.ts';

/** One request the inspector received, with Matomo's verdict on it. */
export interface InspectedRequest {
  readonly receivedAt: string;
  /** Which bulk (1-based, in arrival order) and where in it. */
  readonly bulk: number;
  readonly index: number;
  readonly outcome: RequestOutcome['kind'];
  readonly reason?: string;
  readonly site: string | undefined;
  readonly cid: string | undefined;
  readonly kind: RequestKind;
  readonly fields: Readonly<Record<string, string>>;
  readonly params: TrackingParams;
  /** Optional values ingest left out of this request (docs/rules.md); absent when none. */
  readonly warnings?: readonly RequestWarning[];
}

/** Options for {@link startInspector}. */
export interface InspectorOptions {
  /** The token the batcher sends; treated as a super user's, so old `cdt` values are accepted. */
  readonly token: string | undefined;
  /** Where the readable lines go. */
  readonly print: (line: string) => void;
  /** How many requests `requests()` keeps. @default 1000 */
  readonly limit?: number;
  /** The warnings ingest queued with the request Matomo received as `params` (see `WarningLedger`). */
  readonly warningsFor?: (params: TrackingParams) => readonly RequestWarning[] | undefined;
}

/** A running inspector: a Matomo-like bulk endpoint on loopback. */
export interface Inspector {
  /** Base URL to use as MATOMO_URL. */
  readonly url: string;
  /** Requests received so far, oldest first. */
  requests(): readonly InspectedRequest[];
  close(): Promise<void>;
}

/**
 * Starts a Matomo stand-in on 127.0.0.1: `POST /matomo.php` answers bulks the way Matomo
 * does (through the shared emulator, so invalid requests are counted as Matomo would) and
 * prints each request readably. Every site and goal id is taken to exist: the inspector
 * shows what would be sent, it does not know the Matomo's configuration.
 */
export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const limit = options.limit ?? 1000;
  const received: InspectedRequest[] = [];
  let state: EmulatorState = emptyEmulatorState();
  let bulks = 0;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || path !== '/matomo.php') {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('the inspector only accepts POST /matomo.php\n');
      return;
    }
    readText(req).then(
      (text) => {
        const bulk = parseBulkBody(text);
        const sites = bulk.requests.map((p) => Number(p.idsite)).filter((n) => Number.isInteger(n) && n > 0);
        const goals = Object.fromEntries(sites.map((s) => [s, bulk.requests.map((p) => Number(p.idgoal))]));
        const tokens = options.token === undefined ? [] : [options.token];
        const now = Math.floor(Date.now() / 1000);
        const result = emulateBulk(
          bulk,
          { sites, goals, superUserTokens: tokens, crashPlugin: true, now },
          state,
        );
        // Visits are kept for joining later requests; a long session keeps the latest ones.
        state = { ...result.state, visits: result.state.visits.slice(-limit) };
        bulks += 1;
        const receivedAt = new Date().toISOString();
        for (const outcome of result.outcomes) {
          const params = bulk.requests[outcome.index] ?? {};
          const entry = inspected(params, outcome, bulks, receivedAt, options.warningsFor?.(params));
          received.push(entry);
          options.print(formatLine(entry));
        }
        received.splice(0, Math.max(0, received.length - limit));
        res.writeHead(result.status, { 'content-type': 'application/json' });
        res.end(result.response === undefined ? undefined : JSON.stringify(result.response));
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...received],
    close: () => closeServer(server),
  };
}

function inspected(
  params: TrackingParams,
  outcome: RequestOutcome,
  bulk: number,
  at: string,
  warnings: readonly RequestWarning[] | undefined,
): InspectedRequest {
  return {
    receivedAt: at,
    bulk,
    index: outcome.index,
    outcome: outcome.kind,
    ...(outcome.kind === 'recorded' ? {} : { reason: outcome.reason }),
    site: params.idsite,
    cid: params.cid,
    kind: requestKind(params),
    fields: keyFields(params),
    params,
    ...(warnings === undefined ? {} : { warnings }),
  };
}

function formatLine(entry: InspectedRequest): string {
  const verdict = entry.outcome === 'recorded' ? 'matomo <-' : `matomo !! ${entry.outcome} (${entry.reason})`;
  const note = entry.kind === 'crash' ? '  [needs the Crash Analytics plugin]' : '';
  const warned = (entry.warnings ?? []).map((w) => `\n    warning ${w.field}: ${w.message}`).join('');
  return `${verdict} ${describeRequest(entry.params)}${note}${warned}`;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
