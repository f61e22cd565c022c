import { isSegmentCall, type SegmentCall } from '../sources/segment/calls.ts';
import { MethodNotAllowedError, NotFoundError } from './errors.ts';

/** What a request is asking for. */
export type Route =
  | { kind: 'health' }
  | { kind: 'events' }
  | { kind: 'webhook'; source: string }
  | { kind: 'segment'; call: SegmentCall }
  | { kind: 'matomo-tracker' };

/**
 * Maps method and path to a route. Unknown paths are 404, known paths with another method 405
 * (with `Allow`). A trailing slash is ignored; `{source}` comes from API Gateway's path
 * parameters when present, else from the path. `trackerPaths` are the browser tracker's
 * (the tracker file's `path` beside `/matomo.php`).
 */
export function matchRoute(
  method: string,
  rawPath: string,
  pathParameters: Readonly<Record<string, string | undefined>> | undefined,
  trackerPaths: readonly string[] = ['/matomo.php'],
): Route {
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  const verb = method.toUpperCase();
  if (path === '/health') {
    allow(verb, ['GET', 'HEAD']);
    return { kind: 'health' };
  }
  if (path === '/events') {
    allow(verb, ['POST']);
    return { kind: 'events' };
  }
  const segment = /^\/v1\/([a-z]+)$/.exec(path)?.[1];
  if (segment !== undefined && isSegmentCall(segment)) {
    allow(verb, ['POST']);
    return { kind: 'segment', call: segment };
  }
  if (path === '/matomo.php' || trackerPaths.includes(path)) {
    allow(verb, ['GET', 'POST', 'OPTIONS']);
    return { kind: 'matomo-tracker' };
  }
  const webhook = /^\/webhooks\/([^/]+)$/.exec(path);
  if (webhook?.[1]) {
    allow(verb, ['POST']);
    return { kind: 'webhook', source: pathParameters?.source ?? safeDecode(webhook[1]) };
  }
  throw new NotFoundError(
    'no-route',
    `no route for ${path}; use POST /events, POST /webhooks/{source} or POST /v1/{call}`,
  );
}

function allow(method: string, allowed: readonly string[]): void {
  if (!allowed.includes(method)) throw new MethodNotAllowedError(method, allowed);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
