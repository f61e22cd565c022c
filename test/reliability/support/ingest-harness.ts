import { createHmac, randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { createIngestHandler } from '../../../functions/ingest/handler.ts';
import {
  DEFAULT_LIMITS,
  type IngestDeps,
  type IngestLimits,
  MemoryQueue,
  type QueuePort,
} from '../../../src/ingest/index.ts';
import { createLambdaContext } from '../../../src/local/lambda-context.ts';
import type { RuleSet } from '../../../src/rules/index.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { ruleSecrets, shippedRulesWith } from '../../support/test-rules.ts';

// Hundreds of handler invocations emit no metric each; Powertools would warn about every one.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** Secret values, random per process so no fixture or snapshot can hold one. */
export const secrets = {
  ...ruleSecrets,
  HOSTILE_API_KEY: `key_${randomBytes(12).toString('hex')}`,
};

/**
 * A source whose rule copies sender-chosen strings straight into Matomo fields, so hostile
 * values reach the rule engine and the track builders, not just the parser.
 */
const HOSTILE_RULES = `source: hostile
auth: { api-key: { secrets: [HOSTILE_API_KEY] } }
site: 7
time: '{% at %}'
visitor: { key: '{% who %}' }
rules:
  - name: named event
    when: '{% kind = "event" %}'
    track:
      - event: { category: '{% category %}', action: '{% action %}', name: '{% name %}', value: '{% value %}' }
  - name: page
    when: '{% kind = "page" %}'
    track:
      - pageview: { url: '{% url %}', title: '{% title %}' }
`;

/** The shipped rules, the signed test sources and the `hostile` source. */
export function reliabilityRules(): Promise<RuleSet> {
  return shippedRulesWith([{ path: 'test/reliability/hostile.yaml', text: HOSTILE_RULES }]);
}

/** Fixed clock (unix ms) so signatures made by the tests are inside the tolerance. */
export const NOW_MS = 1_790_000_000_000;

/** Everything logged, to check that no secret or raw body reaches the logs. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly attributes: unknown;
}

/** What a test sends: an HTTP request as API Gateway would pass it on. */
export interface HttpCall {
  readonly method?: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

/** The answer of the real ingest Lambda handler. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The real ingest Lambda handler over the in-memory queue adapter. */
export interface IngestRig {
  readonly deps: IngestDeps;
  readonly queue: MemoryQueue;
  readonly logs: LogLine[];
  call(request: HttpCall): Promise<HttpAnswer>;
}

/** Builds the handler with its Lambda glue (middy, API Gateway mapping), logs captured. */
export async function ingestRig(
  options: { limits?: Partial<IngestLimits>; queue?: QueuePort; clock?: () => number } = {},
): Promise<IngestRig> {
  const memory = new MemoryQueue();
  const logs: LogLine[] = [];
  const log =
    (level: string) =>
    (message: string, attributes?: unknown): void => {
      logs.push({ level, message, attributes });
    };
  const deps: IngestDeps = {
    rules: await reliabilityRules(),
    queue: options.queue ?? memory,
    secrets: new EnvSecretSource(secrets),
    clock: options.clock ?? (() => NOW_MS),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    metrics: { count: () => undefined },
  };
  const handler = createIngestHandler(deps);
  return {
    deps,
    queue: memory,
    logs,
    async call(request) {
      const result = await handler(apiGatewayEvent(request), createLambdaContext('taglane-ingest', 30_000));
      if (typeof result === 'string') throw new Error('the handler answered a bare string');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
      return { status: result.statusCode ?? 0, headers, body: result.body ?? '' };
    },
  };
}

let sequence = 0;

/** An API Gateway HTTP API (payload 2.0) event; bodies go base64 so every byte arrives as sent. */
export function apiGatewayEvent(request: HttpCall): Parameters<ReturnType<typeof createIngestHandler>>[0] {
  const method = request.method ?? 'POST';
  const requestId = `rel-${process.pid}-${++sequence}`;
  const webhook = /^\/webhooks\/([^/]+)$/.exec(request.path);
  return {
    version: '2.0',
    routeKey: `${method} ${webhook ? '/webhooks/{source}' : request.path}`,
    rawPath: request.path,
    rawQueryString: new URLSearchParams(request.query ?? {}).toString(),
    headers: { ...request.headers },
    ...(request.query ? { queryStringParameters: request.query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId,
      routeKey: `${method} ${request.path}`,
      stage: '$default',
      time: new Date(NOW_MS).toUTCString(),
      timeEpoch: NOW_MS,
    },
    ...(request.body === undefined ? {} : { body: request.body.toString('base64') }),
    isBase64Encoded: true,
  };
}

const stripe = new Stripe('sk_test_unused');

/** A `Stripe-Signature` header made by Stripe's own SDK. */
export function stripeSignature(body: Buffer, options: { secret?: string; timestamp?: number } = {}): string {
  return stripe.webhooks.generateTestHeaderString({
    payload: body.toString('utf8'),
    secret: options.secret ?? secrets.STRIPE_WEBHOOK_SECRET,
    timestamp: options.timestamp ?? NOW_MS / 1000,
  });
}

/**
 * Stripe's signature scheme computed over raw bytes (`t=..,v1=hmac(t + "." + body)`): the SDK
 * helper takes a string, which cannot carry the invalid UTF-8 of the hostile corpus.
 */
export function stripeSignatureOfBytes(body: Buffer, timestamp = NOW_MS / 1000): string {
  const hmac = createHmac('sha256', secrets.STRIPE_WEBHOOK_SECRET);
  hmac.update(`${timestamp}.`).update(body);
  return `t=${timestamp},v1=${hmac.digest('hex')}`;
}

/** Whether `body` is an RFC 9457 problem with the given status. */
export function isProblem(answer: HttpAnswer): boolean {
  if (answer.headers['content-type'] !== 'application/problem+json') return false;
  const parsed: unknown = JSON.parse(answer.body);
  if (parsed === null || typeof parsed !== 'object') return false;
  const problem = parsed as Record<string, unknown>;
  return (
    problem.status === answer.status &&
    typeof problem.type === 'string' &&
    problem.type.startsWith('urn:taglane:problem:') &&
    typeof problem.title === 'string' &&
    typeof problem.detail === 'string'
  );
}
