import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import {
  INGEST_ROUTES,
  matchRoute,
  type Route,
  toApiGatewayEvent,
  writeApiGatewayResult,
} from './api-gateway.ts';
import type { InspectedRequest } from './inspector.ts';
import { createLambdaContext } from './lambda-context.ts';

/** The ingest Lambda handler, as exported by `functions/ingest/handler.ts`. */
export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** Options for {@link startHttpServer}. */
export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly handler: HttpApiHandler;
  /** The routes forwarded to the handler, as the stack declares them. @default INGEST_ROUTES */
  readonly routes?: readonly Route[];
  /** Source of `GET /inspect`; absent when a real Matomo receives the requests. */
  readonly inspected?: () => readonly InspectedRequest[];
  /** Routes served beside the API (the debugger page); resolves false for a path it does not own. */
  readonly pages?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  readonly onError: (error: unknown) => void;
}

/** The running local API. */
export interface LocalHttpServer {
  readonly url: string;
  /** Stops accepting connections and waits for the requests in progress. */
  close(): Promise<void>;
}

/** API Gateway HTTP APIs refuse payloads over 10 MB before the function sees them. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Serves the HTTP API's routes on `host:port`: each request becomes an API Gateway v2 event
 * for the real ingest handler. Also serves `GET /inspect` with what the inspector received.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<LocalHttpServer> {
  const server = createServer((req, res) => {
    serve(req, res, options).catch((error: unknown) => {
      options.onError(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}`, close: () => closeGracefully(server) };
}

async function serve(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const path = url.split('?')[0] ?? '/';
  if (options.pages && (await options.pages(req, res))) return;
  if (method === 'GET' && path === '/inspect') {
    if (!options.inspected) return problem(res, 404, 'Not Found', 'the inspector is off: MATOMO_URL is set');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests: options.inspected() }, null, 2));
    return;
  }
  const ingestRoutes = options.routes ?? INGEST_ROUTES;
  const match = matchRoute(ingestRoutes, method, path);
  if (!match) {
    const routes = [...ingestRoutes.map((r) => `${r.method} ${r.path}`), 'GET /inspect'].join(', ');
    return problem(res, 404, 'Not Found', `no route for ${method} ${path}; routes: ${routes}`);
  }
  const body = await readBody(req);
  if (body === undefined)
    return problem(res, 413, 'Payload Too Large', 'request bodies are limited to 10 MB');
  const event = toApiGatewayEvent(
    {
      method,
      url,
      headers: req.headersDistinct,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      host: req.headers.host ?? 'localhost',
    },
    match,
  );
  const result = await options.handler(event, createLambdaContext('taglane-ingest', 30_000));
  writeApiGatewayResult(res, result);
}

/**
 * The body, or `undefined` when it exceeds API Gateway's payload limit. Past the limit the
 * rest is still read, and dropped: leaving the loop early would destroy the request and with
 * it the keep-alive socket, so the client's next request on it failed with ECONNRESET. Node's
 * `requestTimeout` bounds how long a sender can keep an endless body going.
 */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  let chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) chunks = [];
    else chunks.push(chunk as Buffer);
  }
  return size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks);
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

function closeGracefully(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive connections would hold close() open until they time out: close each one as
    // soon as it has no request in progress.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
