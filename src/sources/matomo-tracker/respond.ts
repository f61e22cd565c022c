import type { IngestResponse } from '../../ingest/types.ts';

/** Matomo's 1×1 transparent GIF, the 43 bytes matomo.php answers with (core/Tracker/Response.php). */
export const TRACKING_GIF = Buffer.from(
  'R0lGODlhAQABAIAAAAAAAAAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==',
  'base64',
);

/**
 * Matomo's CORS headers (core/Tracker/Response.php): for anything but GET, the request's
 * `Origin` (or `*`) with credentials allowed, so `sendBeacon` and XHR with cookies succeed.
 */
export function corsHeaders(method: string, origin: string | undefined): Record<string, string> {
  if (method.toUpperCase() === 'GET') return {};
  return { 'access-control-allow-origin': origin ?? '*', 'access-control-allow-credentials': 'true' };
}

/**
 * The answer for queued requests, as Matomo gives it: bulk JSON gets its summary, a single
 * request 204 with `send_image=0`, else the GIF.
 */
export function trackedResponse(
  bulk: boolean,
  tracked: number,
  sendImage: boolean,
  cors: Readonly<Record<string, string>>,
): IngestResponse {
  if (bulk) {
    const body = JSON.stringify({ status: 'success', tracked, invalid: 0 });
    return { status: 200, headers: { ...cors, 'content-type': 'application/json' }, body };
  }
  if (!sendImage) return { status: 204, headers: { ...cors }, body: '' };
  return {
    status: 200,
    headers: { ...cors, 'content-type': 'image/gif', 'cache-control': 'no-store' },
    body: TRACKING_GIF.toString('base64'),
    isBase64Encoded: true,
  };
}

/** The answer to a CORS preflight: the methods and header matomo.js may use. */
export function preflightResponse(origin: string | undefined): IngestResponse {
  const headers = {
    ...corsHeaders('OPTIONS', origin),
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '86400',
  };
  return { status: 204, headers, body: '' };
}
