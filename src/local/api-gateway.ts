import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { SEGMENT_CALLS } from '../sources/segment/calls.ts';

/** A route of the HTTP API, as the CDK stack declares it (`METHOD /path/{param}`). */
export interface Route {
  readonly method: string;
  readonly path: string;
}

/** The routes API Gateway forwards to the ingest function; anything else is a 404 there. */
export const INGEST_ROUTES: readonly Route[] = [
  { method: 'POST', path: '/events' },
  { method: 'POST', path: '/webhooks/{source}' },
  { method: 'GET', path: '/health' },
  ...SEGMENT_CALLS.map((call) => ({ method: 'POST', path: `/v1/${call}` })),
  { method: 'GET', path: '/matomo.php' },
  { method: 'POST', path: '/matomo.php' },
  { method: 'OPTIONS', path: '/matomo.php' },
];

/** The browser tracker's routes for its extra paths (the tracker file's `path`); `/matomo.php` is in {@link INGEST_ROUTES}. */
export function trackerRoutes(paths: readonly string[]): Route[] {
  return paths
    .filter((path) => path !== '/matomo.php')
    .flatMap((path) => ['GET', 'POST', 'OPTIONS'].map((method) => ({ method, path })));
}

/** A matched route with its route key and path parameters. */
export interface RouteMatch {
  readonly routeKey: string;
  readonly pathParameters: Record<string, string> | undefined;
}

/** Finds the route for a request the way API Gateway does: exact segments, `{name}` for one. */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((part, i) => {
      const segment = segments[i] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        if (segment === '') return false;
        params[part.slice(1, -1)] = safeDecode(segment);
        return true;
      }
      return part === segment;
    });
    if (ok) {
      const hasParams = Object.keys(params).length > 0;
      return { routeKey: `${route.method} ${route.path}`, pathParameters: hasParams ? params : undefined };
    }
  }
  return undefined;
}

/** A path segment decoded; a broken escape (`%E0%A4%A`) stays as sent, so ingest answers 404, not 500. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** What the local server knows about one HTTP request. */
export interface LocalRequest {
  readonly method: string;
  /** Request target as received: path and optional query string. */
  readonly url: string;
  /** Every header line, by lower-cased name (Node's `headersDistinct`). */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly host: string;
}

/**
 * Builds the API Gateway HTTP API event (payload format 2.0) for a request, as AWS does:
 * lower-cased headers with repeated values comma-joined, cookies split out, and the body
 * base64-encoded so the handler sees the exact bytes (webhook signatures depend on them).
 */
export function toApiGatewayEvent(
  request: LocalRequest,
  match: RouteMatch,
  now = new Date(),
): APIGatewayProxyEventV2 {
  const [rawPath = '/', rawQueryString = ''] = splitOnce(request.url, '?');
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (key === 'cookie') {
      cookies = value
        .join('; ')
        .split(/;\s*/)
        .filter((c) => c !== '');
      continue;
    }
    headers[key] = value.join(',');
  }
  const query = queryParameters(rawQueryString);
  const requestId = randomUUID();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: request.host,
      domainPrefix: request.host.split('.')[0] ?? request.host,
      http: {
        method: request.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: match.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: request.body.length > 0,
  };
  if (request.body.length > 0) event.body = request.body.toString('base64');
  if (cookies) event.cookies = cookies;
  if (query) event.queryStringParameters = query;
  if (match.pathParameters) event.pathParameters = match.pathParameters;
  return event;
}

/**
 * Writes a handler result back the way API Gateway does: a string or an object without a
 * status code is a 200 JSON body; `isBase64Encoded` bodies are decoded; cookies become
 * `set-cookie` headers.
 */
export function writeApiGatewayResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string' || result.statusCode === undefined) {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies && result.cookies.length > 0) res.setHeader('set-cookie', result.cookies);
  const body = result.body ?? '';
  res.statusCode = result.statusCode;
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // API Gateway joins repeated query parameters with commas, like headers.
    out[key] = out[key] === undefined ? value : `${out[key]},${value}`;
  }
  return out;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
