import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { type IngestLogger, type QueuePort, QueueSendError } from '../../ingest/index.ts';
import type { RuleSet } from '../../rules/index.ts';
import type { QueuedRequest } from '../../tracking/queued-request.ts';
import type { HttpApiHandler } from '../http-server.ts';
import type { Redactor } from './redact.ts';
import { droppedWarnings } from './rule-fields.ts';
import type { LocatedRule, RuleLines } from './rule-lines.ts';
import type { EventStore, StoredEntry } from './store.ts';
import type { ProblemSummary, RuleLocation } from './wire.ts';

/** The rule set in force and its rule locations; replaced when rule files are reloaded. */
export interface ObservedRules {
  readonly ruleSet: RuleSet;
  readonly lines: RuleLines;
  readonly redactor: Redactor;
}

/** Bodies longer than this are kept cut; the store also bounds all bodies together. */
const MAX_BODY_CHARS = 64 * 1024;

/**
 * Watches ingest from outside: the handler wrapper records each HTTP request (redacted) and
 * its answer; the queue wrapper records the Matomo requests the event produced, as they go
 * on the queue. The request's correlation id ties the two together (ingest gives it to the
 * queue port and logs it as `id`), so the core stays untouched. Not an AsyncLocalStorage: on
 * Node 20 one in use puts a hook on every promise of the process, ~0.1 s of a 10,000-event drain.
 */
export class IngestObserver {
  readonly #store: EventStore;
  readonly #rules: () => ObservedRules;
  /** The entries of the requests being answered, by correlation id. */
  readonly #answering = new Map<string, StoredEntry>();

  constructor(store: EventStore, rules: () => ObservedRules) {
    this.#store = store;
    this.#rules = rules;
  }

  /** The ingest handler, recording every request it answers. */
  wrapHandler(handler: HttpApiHandler): HttpApiHandler {
    return async (event, context) => {
      const entry = this.#store.add(this.#describe(event));
      const { requestId } = event.requestContext;
      this.#answering.set(requestId, entry);
      try {
        const result = await handler(event, context);
        this.#answered(entry, result);
        return result;
      } catch (error) {
        entry.status = 500;
        entry.outcome = 'rejected';
        entry.problem = { status: 500, title: 'Internal Server Error', detail: String(error) };
        this.#store.answered(entry);
        throw error;
      } finally {
        this.#answering.delete(requestId);
      }
    };
  }

  /** The queue port, recording what goes on the queue for the request being answered. */
  wrapQueue(queue: QueuePort): QueuePort {
    return {
      send: async (requests, from) => {
        const entry = from && this.#answering.get(from.requestId);
        if (entry) {
          // Requests of one rule for one event come in track order: the n-th is the n-th track item.
          const seen = new Map<string, number>();
          const produced = requests.map((r) => {
            const key = `${r.eventId}\n${r.rule}`;
            const position = seen.get(key) ?? 0;
            seen.set(key, position + 1);
            return this.#produced(entry, r, position);
          });
          this.#store.addRequests(entry, produced);
        }
        try {
          await queue.send(requests, from);
        } catch (error) {
          const failed = new Set(
            error instanceof QueueSendError ? error.failedIds : requests.map((r) => r.id),
          );
          const why = error instanceof Error ? error.message : String(error);
          for (const r of requests)
            this.#store.step(
              r.id,
              failed.has(r.id) ? 'not-queued' : 'queued',
              failed.has(r.id) ? why : undefined,
            );
          throw error;
        }
        this.#store.stepAll(
          requests.map((r) => r.id),
          'queued',
        );
      },
    };
  }

  /**
   * The ingest log port, passing every line on; from "event accepted" it also keeps the event
   * ids, which an event no rule matched has nowhere else.
   */
  wrapLogger(logger: IngestLogger): IngestLogger {
    return {
      info: (message, attributes) => {
        // "event accepted" carries the request's correlation id as `id`.
        const id = attributes?.id;
        const entry = typeof id === 'string' ? this.#answering.get(id) : undefined;
        const ids = attributes?.eventIds;
        if (entry && Array.isArray(ids))
          entry.eventIds = ids.filter((id): id is string => typeof id === 'string');
        logger.info(message, attributes);
      },
      warn: (message, attributes) => logger.warn(message, attributes),
      error: (message, attributes) => logger.error(message, attributes),
    };
  }

  #describe(event: APIGatewayProxyEventV2): Parameters<EventStore['add']>[0] {
    const { ruleSet, redactor } = this.#rules();
    const source = event.pathParameters?.source ?? event.queryStringParameters?.source;
    const raw =
      event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    const bodyTruncated = raw.length > MAX_BODY_CHARS;
    return {
      at: Date.now(),
      method: event.requestContext.http.method,
      path: event.rawPath,
      route: event.routeKey,
      source,
      auth: source === undefined ? undefined : ruleSet.sources.get(source)?.auth.scheme,
      status: undefined,
      outcome: 'pending',
      headers: redactor.headers(event.headers),
      query: redactor.text(event.rawQueryString),
      body: redactor.text(bodyTruncated ? raw.slice(0, MAX_BODY_CHARS) : raw),
      bodyTruncated,
    };
  }

  #produced(
    entry: StoredEntry,
    r: QueuedRequest,
    position: number,
  ): Parameters<EventStore['addRequests']>[1][number] {
    const { lines, redactor } = this.#rules();
    const rule = lines.get(r.source)?.find((l) => l.name === r.rule);
    const ruleAt = rule && location(rule);
    const warnings = [
      ...(rule ? droppedWarnings(rule.tracks[position] ?? [], r.params) : []),
      // The request's own warnings: parameters the tracker endpoint's policy left out.
      ...(r.warnings ?? []).map((w) => `${w.field}: ${w.message}`),
    ];
    // A secret pasted into an event ends up in its parameters as well as in its body. Nearly
    // always none is there: the queued parameters are then kept as they are, not copied.
    const params = redactor.hidesNone(Object.values(r.params))
      ? r.params
      : Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, redactor.text(v)]));
    entry.source ??= r.source;
    return {
      id: r.id,
      eventId: redactor.text(r.eventId),
      rule: r.rule,
      ...(ruleAt ? { ruleAt } : {}),
      index: r.index,
      params,
      visitorKey: redactor.text(r.visitor.key),
      time: r.time,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }

  #answered(entry: StoredEntry, result: APIGatewayProxyResultV2): void {
    const status = typeof result === 'string' ? 200 : (result.statusCode ?? 200);
    const text = typeof result === 'string' ? result : (result.body ?? '');
    const body = parseObject(text);
    const dropped = typeof result === 'string' ? undefined : result.headers?.['x-taglane-dropped'];
    if (typeof dropped === 'string') entry.dropped = dropped;
    entry.status = status;
    if (status >= 400) {
      entry.outcome = 'rejected';
      entry.problem = problemOf(status, body);
    } else if (status === 202 && body) {
      const counts = Object.fromEntries(
        Object.entries(body).filter((pair): pair is [string, number] => typeof pair[1] === 'number'),
      );
      entry.counts = counts;
      entry.outcome = (counts.requests ?? 0) > 0 ? 'accepted' : 'ignored';
      if ((counts.ignored ?? 0) > 0 && entry.source !== undefined) {
        entry.rules = (this.#rules().lines.get(entry.source) ?? []).map(location);
      }
    } else
      entry.outcome = entry.requests.length === 0 && entry.dropped !== undefined ? 'ignored' : 'accepted';
    this.#store.answered(entry);
  }
}

/** The part of a located rule the page needs. */
function location(rule: LocatedRule): RuleLocation {
  const { tracks: _tracks, ...at } = rule;
  return at;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function problemOf(status: number, body: Record<string, unknown> | undefined): ProblemSummary {
  const { title, detail, type, status: _s, instance: _i, ...extra } = body ?? {};
  return {
    status,
    title: typeof title === 'string' ? title : `HTTP ${status}`,
    ...(typeof detail === 'string' ? { detail } : {}),
    ...(typeof type === 'string' ? { type } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}
