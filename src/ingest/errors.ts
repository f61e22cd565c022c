/** One problem in a request, with the JSON path (`$`, `$[2].properties.sku`) where it is. */
export interface Issue {
  readonly path: string;
  readonly message: string;
  /** For 422: the rule that failed and the field of its track it could not fill. */
  readonly rule?: string;
  readonly field?: string;
}

/**
 * Base of every error `ingest()` answers with. `status`, `type` (a slug, see docs/ingest.md),
 * `title` and the message become an RFC 9457 problem; `expose: false` hides the message from the
 * sender (only the title is sent). `reason` is the dimension of the `rejected` metric.
 */
export class IngestError extends Error {
  override readonly name: string = 'IngestError';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly expose: boolean;
  readonly reason: string;
  readonly issues: readonly Issue[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    init: {
      status: number;
      type: string;
      title: string;
      detail: string;
      reason?: string;
      expose?: boolean;
      issues?: readonly Issue[];
      headers?: Readonly<Record<string, string>>;
    },
    options?: { cause?: unknown },
  ) {
    super(init.detail, options);
    this.status = init.status;
    this.type = init.type;
    this.title = init.title;
    this.expose = init.expose ?? true;
    this.reason = init.reason ?? init.type;
    this.issues = init.issues ?? [];
    this.headers = init.headers ?? {};
  }
}

/** 400: the body is not JSON, not UTF-8, or not an event / array of events. */
export class BadRequestError extends IngestError {
  override readonly name = 'BadRequestError';
  constructor(type: 'invalid-json' | 'invalid-shape', detail: string, issues: readonly Issue[] = []) {
    const title = type === 'invalid-json' ? 'Body is not valid JSON' : 'Body has the wrong shape';
    super({ status: 400, type, title, detail, issues });
  }
}

/** 401: missing or wrong API key or webhook signature. */
export class UnauthorizedError extends IngestError {
  override readonly name = 'UnauthorizedError';
  constructor(
    detail: string,
    reason: string,
    headers: Readonly<Record<string, string>> = {},
    cause?: unknown,
  ) {
    super(
      { status: 401, type: 'unauthorized', title: 'Not authenticated', detail, reason, headers },
      { cause },
    );
  }
}

/** 404: no such route, or no rule file for the source. */
export class NotFoundError extends IngestError {
  override readonly name = 'NotFoundError';
  constructor(type: 'no-route' | 'unknown-source', detail: string) {
    const title = type === 'no-route' ? 'No such route' : 'Unknown source';
    super({ status: 404, type, title, detail });
  }
}

/** 405: the route exists but not for this method. */
export class MethodNotAllowedError extends IngestError {
  override readonly name = 'MethodNotAllowedError';
  constructor(method: string, allowed: readonly string[]) {
    super({
      status: 405,
      type: 'method-not-allowed',
      title: 'Method not allowed',
      detail: `${method} is not allowed here; use ${allowed.join(' or ')}`,
      headers: { allow: allowed.join(', ') },
    });
  }
}

/** 413: the body, the event array or a tracking request is larger than its limit. */
export class PayloadTooLargeError extends IngestError {
  override readonly name = 'PayloadTooLargeError';
  constructor(detail: string, issues: readonly Issue[] = []) {
    super({ status: 413, type: 'payload-too-large', title: 'Payload too large', detail, issues });
  }
}

/** 415: the body is not declared as JSON. */
export class UnsupportedMediaTypeError extends IngestError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(contentType: string | undefined) {
    super({
      status: 415,
      type: 'unsupported-media-type',
      title: 'Unsupported media type',
      detail: `expected Content-Type application/json, got ${contentType ? JSON.stringify(contentType) : 'none'}`,
      headers: { 'accept-post': 'application/json' },
    });
  }
}

/** 422: a rule matched but could not build a valid Matomo request from this event. */
export class RuleFailedError extends IngestError {
  override readonly name = 'RuleFailedError';
  constructor(issues: readonly Issue[], cause?: unknown) {
    const first = issues[0];
    const detail = first
      ? `rule ${JSON.stringify(first.rule)} failed at ${first.field ?? '?'}: ${first.message}` +
        (issues.length > 1 ? ` (and ${issues.length - 1} more)` : '')
      : 'a rule failed on this event';
    super(
      { status: 422, type: 'rule-failed', title: 'A rule failed on this event', detail, issues },
      { cause },
    );
  }
}

/** 422: two different events of one POST share an id, so only one of them could be delivered. */
export class DuplicateEventIdError extends IngestError {
  override readonly name = 'DuplicateEventIdError';
  /** Each later event's path with the path of the earlier event whose id it repeats. */
  constructor(collisions: readonly { readonly path: string; readonly earlier: string }[]) {
    const [first] = collisions;
    const pair = first ? `${first.earlier} and ${first.path}` : 'of this POST';
    super({
      status: 422,
      type: 'duplicate-event-id',
      title: 'Two events share an id',
      detail:
        `events ${pair} have the same id but different content; give each event its own id` +
        (collisions.length > 1 ? ` (and ${collisions.length - 1} more)` : ''),
      issues: collisions.map(({ path, earlier }) => ({
        path,
        message: `has the same id as ${earlier} but different content`,
      })),
    });
  }
}

/** 503: the queue did not take every request; nothing is acknowledged, so senders retry. */
export class QueueUnavailableError extends IngestError {
  override readonly name = 'QueueUnavailableError';
  constructor(cause: unknown) {
    super(
      {
        status: 503,
        type: 'queue-unavailable',
        title: 'Queue unavailable',
        detail: 'the event could not be queued; retry later',
        headers: { 'retry-after': '5' },
      },
      { cause },
    );
  }
}

/** 500: the deployment is missing something (a secret); the message is logged, not sent. */
export class ConfigurationError extends IngestError {
  override readonly name = 'ConfigurationError';
  constructor(detail: string) {
    super({ status: 500, type: 'misconfigured', title: 'Server misconfigured', detail, expose: false });
  }
}
