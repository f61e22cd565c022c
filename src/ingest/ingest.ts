import type { CompiledSource } from '../rules/index.ts';
import { handleTracker } from '../sources/matomo-tracker/handle.ts';
import { acceptSegment } from '../sources/segment/accept.ts';
import { authenticate } from './authenticate.ts';
import { checkJsonMediaType, checkSize, eventsOf, parseJson, webhookEventOf } from './body.ts';
import { enqueue } from './enqueue.ts';
import { IngestError, NotFoundError } from './errors.ts';
import type { IdentifiedEvent } from './evaluate.ts';
import { bodyHashId, resolveEventId, vendorEventId } from './identity.ts';
import { problemResponse } from './problem.ts';
import { matchRoute } from './routes.ts';
import type { Accepted, IngestDeps, IngestRequest, IngestResponse } from './types.ts';

/**
 * Handles one HTTP request: route, authenticate, parse, run the rules, queue the requests.
 * Pure apart from its injected deps; never throws (every failure becomes a problem response).
 * Answers 202 only when every tracking request of the POST is on the queue.
 *
 * @example
 * const res = await ingest({ method: 'POST', path: '/webhooks/stripe', query: {}, headers, body, requestId }, deps);
 */
export async function ingest(request: IngestRequest, deps: IngestDeps): Promise<IngestResponse> {
  let source: string | undefined;
  try {
    const route = matchRoute(
      request.method,
      request.path,
      request.pathParameters,
      deps.tracker?.config.paths,
    );
    if (route.kind === 'health') {
      return json(200, { status: 'ok', sources: deps.rules.sources.size });
    }
    if (route.kind === 'matomo-tracker') return await handleTracker(request, deps);
    deps.metrics?.count('received', 1);
    if (route.kind === 'segment') return json(200, await acceptSegment(route.call, request, deps));
    const compiled =
      route.kind === 'events' ? eventSource(request.query.source, deps) : webhookSource(route.source, deps);
    source = compiled.name;
    const accepted = await accept(compiled, request, deps, route.kind === 'webhook');
    // A verified URL check (Slack's url_verification) wants its challenge back, not a 202.
    if ('challenge' in accepted) return json(200, accepted);
    return json(202, accepted);
  } catch (error) {
    return reject(error, request, deps, source);
  }
}

async function accept(
  source: CompiledSource,
  request: IngestRequest,
  deps: IngestDeps,
  webhook: boolean,
): Promise<Accepted | { readonly challenge: string }> {
  const receivedAt = deps.clock();
  checkSize(request.body, deps.limits.maxBodyBytes);
  await authenticate(source, request, deps.secrets, receivedAt);
  checkJsonMediaType(request.headers['content-type']);
  const parsed = parseJson(request.body);
  const bodyHash = bodyHashId(request.body);
  const identified: IdentifiedEvent[] = [];
  if (webhook) {
    const event = webhookEventOf(parsed);
    const challenge = await source.challenge(event);
    if (challenge !== undefined) return { challenge };
    const vendorId = vendorEventId(source.auth, request.headers, event, bodyHash);
    const eventId = await resolveEventId(source, event, { vendorId, bodyHash, index: undefined });
    identified.push({ event, eventId, path: '$' });
  } else {
    const { events, isArray } = eventsOf(parsed, deps.limits.maxEvents);
    for (const [index, event] of events.entries()) {
      const at = isArray ? index : undefined;
      const eventId = await resolveEventId(source, event, { vendorId: undefined, bodyHash, index: at });
      identified.push({ event, eventId, path: isArray ? `$[${index}]` : '$' });
    }
  }
  return enqueue(source, identified, request.requestId, deps, receivedAt);
}

/** `POST /events?source=NAME`; without `source` the rule set's only api-key source, if there is one. */
function eventSource(name: string | undefined, deps: IngestDeps): CompiledSource {
  const apiKeySources = [...deps.rules.sources.values()].filter((s) => s.auth.scheme === 'api-key');
  if (name === undefined || name === '') {
    const only = apiKeySources.length === 1 ? apiKeySources[0] : undefined;
    if (only) return only;
    throw new NotFoundError('unknown-source', 'name the source: POST /events?source=NAME');
  }
  const source = deps.rules.sources.get(name);
  if (source?.auth.scheme === 'api-key') return source;
  if (source) {
    throw new NotFoundError(
      'unknown-source',
      `source ${JSON.stringify(name)} receives webhooks at /webhooks/${name}`,
    );
  }
  throw new NotFoundError('unknown-source', `no rule file declares source ${JSON.stringify(name)}`);
}

/** `POST /webhooks/NAME` for a source whose auth is a signature scheme. */
function webhookSource(name: string, deps: IngestDeps): CompiledSource {
  const source = deps.rules.sources.get(name);
  if (source && source.auth.scheme !== 'api-key' && source.auth.scheme !== 'segment') return source;
  if (source?.auth.scheme === 'segment') {
    throw new NotFoundError(
      'unknown-source',
      `source ${JSON.stringify(name)} receives Segment's API at /v1/*`,
    );
  }
  if (source) {
    throw new NotFoundError(
      'unknown-source',
      `source ${JSON.stringify(name)} receives events at /events?source=${name}`,
    );
  }
  throw new NotFoundError('unknown-source', `no rule file declares source ${JSON.stringify(name)}`);
}

function reject(
  error: unknown,
  request: IngestRequest,
  deps: IngestDeps,
  source: string | undefined,
): IngestResponse {
  const response = problemResponse(error, `urn:taglane:request:${request.requestId}`);
  const known = error instanceof IngestError ? error : undefined;
  const reason = known?.reason ?? 'internal';
  deps.metrics?.count('rejected', 1, { reason });
  const attributes = {
    status: response.status,
    reason,
    method: request.method,
    path: request.path,
    ...(source === undefined ? {} : { source }),
    ...(known ? { detail: known.message, issues: known.issues.length } : {}),
  };
  if (response.status >= 500) {
    // The cause (an SQS or internal error) is logged for operators; it never reaches the sender.
    deps.logger?.error('request failed', { ...attributes, error: describeError(error) });
  } else {
    deps.logger?.warn('request rejected', attributes);
  }
  return response;
}

function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.cause !== undefined) out.cause = describeError(error.cause);
  return out;
}

function json(status: number, body: unknown): IngestResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
