import { IngestError, QueueUnavailableError } from '../../ingest/errors.ts';
import { problemResponse } from '../../ingest/problem.ts';
import type { IngestDeps, IngestRequest, IngestResponse } from '../../ingest/types.ts';
import type { QueuedRequest } from '../../tracking/queued-request.ts';
import { clientAddress } from './client.ts';
import type { TrackerConfig } from './config.ts';
import { type ClientFacts, passRequest } from './policy.ts';
import { RateLimiter } from './rate-limit.ts';
import { TrackerRequestError } from './request-errors.ts';
import { corsHeaders, preflightResponse, trackedResponse } from './respond.ts';
import { parseWire } from './wire.ts';

/** The endpoint's configuration and its per-instance rate limiter. */
export interface TrackerDeps {
  readonly config: TrackerConfig;
  readonly limiter: RateLimiter;
}

/** Tracker deps for a validated config, with a fresh limiter. */
export function trackerDeps(config: TrackerConfig): TrackerDeps {
  return { config, limiter: new RateLimiter(config.rateLimit) };
}

/**
 * `GET|POST|OPTIONS /matomo.php`: the browser tracker's own requests, queued as they are. Answers
 * as Matomo does only once every request is durably queued (503 otherwise, so nothing is lost
 * silently); every refusal is a 4xx problem with Matomo's CORS headers, never a 5xx but 503.
 */
export async function handleTracker(request: IngestRequest, deps: IngestDeps): Promise<IngestResponse> {
  const origin = request.headers.origin;
  const cors = corsHeaders(request.method, origin);
  const instance = `urn:taglane:request:${request.requestId}`;
  try {
    if (request.method.toUpperCase() === 'OPTIONS') return preflightResponse(origin);
    const tracker = deps.tracker;
    if (tracker === undefined) {
      const detail = 'set TAGLANE_TRACKER_FILE to a tracker file (docs/browser.md) to accept /matomo.php';
      throw new TrackerRequestError(404, 'tracker-not-configured', detail, '$');
    }
    const { config, limiter } = tracker;
    if (request.body.length > config.maxBodyBytes) {
      const detail = `body is ${request.body.length} bytes; the tracker endpoint accepts at most ${config.maxBodyBytes}`;
      throw new TrackerRequestError(413, 'body-too-large', detail, '$');
    }
    const receivedAt = deps.clock();
    const wire = parseWire(request.query, request.body, config.maxRequests);
    const client: ClientFacts = {
      address: clientAddress(
        request.sourceIp ?? '0.0.0.0',
        request.headers['x-forwarded-for'],
        config.trustedProxies,
      ),
      userAgent: request.headers['user-agent'],
      acceptLanguage: request.headers['accept-language'],
    };
    const wait = limiter.take(client.address, wire.requests.length, receivedAt);
    if (wait > 0) {
      const detail = `more than ${config.rateLimit.requests} tracking requests in ${config.rateLimit.seconds} s from this client`;
      throw new TrackerRequestError(429, 'rate-limited', detail, '$', { 'retry-after': String(wait) });
    }
    const queued: QueuedRequest[] = [];
    const droppedSites = new Set<string>();
    let withoutConsent = 0;
    for (const [index, params] of wire.requests.entries()) {
      const passed = passRequest(params, index, config, client, receivedAt);
      if (passed.kind === 'queue') queued.push(passed.request);
      else {
        withoutConsent += 1;
        droppedSites.add(params.idsite ?? '');
      }
    }
    if (queued.length > 0) {
      try {
        await deps.queue.send(queued, { requestId: request.requestId });
      } catch (error) {
        throw new QueueUnavailableError(error);
      }
    }
    deps.metrics?.count('requestsQueued', queued.length, { source: 'matomo-tracker' });
    if (withoutConsent > 0) {
      // Dropped by the site's `consent: drop`, which is what the site asked for; counted, not silent.
      deps.metrics?.count('ignored', withoutConsent, { source: 'matomo-tracker' });
      deps.logger?.info('tracker requests without consent dropped', {
        count: withoutConsent,
        sites: [...droppedSites],
        requestId: request.requestId,
      });
    }
    const sendImage = wire.requests[0]?.send_image !== '0';
    const response = trackedResponse(wire.bulk, queued.length, sendImage, cors);
    const dropped = withoutConsent > 0 ? { 'x-taglane-dropped': `${withoutConsent} without consent` } : {};
    return { ...response, headers: { ...response.headers, ...dropped } };
  } catch (error) {
    const response = problemResponse(error, instance);
    const reason = error instanceof IngestError ? error.reason : 'internal';
    deps.metrics?.count('rejected', 1, { reason, source: 'matomo-tracker' });
    const log = response.status >= 500 ? deps.logger?.error : deps.logger?.warn;
    log?.call(deps.logger, 'tracker request refused', { status: response.status, reason });
    return { ...response, headers: { ...response.headers, ...cors } };
  }
}
