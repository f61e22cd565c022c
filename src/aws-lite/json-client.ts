import type { IncomingHttpHeaders } from 'node:http';
import type { AwsClientConfig, AwsService } from './config.ts';
import { AwsError, type AwsErrorContext, AwsServiceError } from './errors.ts';
import { DEFAULT_MAX_ATTEMPTS, isRetryableAnswer, isThrottling, retryDelayMs } from './retry.ts';
import { signRequest } from './sigv4.ts';
import { type HttpAnswer, type HttpCall, sendHttp } from './transport.ts';

/** Options of {@link AwsJsonClient}. */
export interface AwsJsonClientOptions {
  readonly service: AwsService;
  /**
   * Where and as whom to call, or how to find out on first use: a cold start that only answers
   * `/health` never needs credentials, and a missing one fails the call (a 503 for ingest),
   * not the composition (which Lambda would turn into a bare 500).
   */
  readonly config: AwsClientConfig | (() => AwsClientConfig);
  /** Attempts per call, the first included. @default 3, as the SDK's standard mode */
  readonly maxAttempts?: number;
  /** Per attempt, connect to last byte of the answer. @default 2000 */
  readonly timeoutMs?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** How to wait between attempts. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Where the service's bodies differ from plain JSON. @default plain JSON both ways */
  readonly codec?: JsonCodec;
}

/**
 * `JSON.stringify`'s replacer and `JSON.parse`'s reviver for a service whose wire form differs
 * from the SDK's objects (DynamoDB sends binary values as base64 strings).
 */
export interface JsonCodec {
  readonly replacer?: (this: unknown, key: string, value: unknown) => unknown;
  readonly reviver?: (this: unknown, key: string, value: unknown) => unknown;
}

/** The options every aws-lite service client takes beside its configuration. */
export type AwsClientOptions = Partial<
  Pick<AwsJsonClientOptions, 'maxAttempts' | 'timeoutMs' | 'now' | 'sleep'>
>;

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client of one AWS service's JSON protocol: POST `/` with `X-Amz-Target` and a JSON body,
 * signed with Signature Version 4, errors decoded as the SDK decodes them and retried as its
 * standard mode does (throttling, 5xx, timeouts and broken connections; 3 attempts,
 * exponential backoff with full jitter). What the SDK does beyond that (credential chains,
 * a retry quota, clock-skew correction) Lambda does not need for the calls ingest makes.
 */
export class AwsJsonClient {
  readonly #options: AwsJsonClientOptions;
  #config: AwsClientConfig | undefined;

  constructor(options: AwsJsonClientOptions) {
    this.#options = options;
  }

  /**
   * The client's configuration (region, endpoint, credentials), resolved on first use.
   *
   * @throws AwsConfigError when it cannot be resolved (kept unresolved: the next call tries again).
   */
  get config(): AwsClientConfig {
    const { config } = this.#options;
    this.#config ??= typeof config === 'function' ? config() : config;
    return this.#config;
  }

  /**
   * Calls `operation` with `input` and returns the parsed answer.
   *
   * @param endpoint where to send it; @default the configured endpoint
   * @throws AwsConfigError when the configuration cannot be resolved.
   * @throws AwsServiceError for an error answer (after retries when retryable), AwsTimeoutError, AwsNetworkError.
   */
  async call(operation: string, input: unknown, endpoint?: URL): Promise<unknown> {
    const url = endpoint ?? this.config.endpoint;
    const maxAttempts = this.#options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const context = { service: this.#options.service.signingName, operation };
    const { codec } = this.#options;
    const body = JSON.stringify(input, codec?.replacer);
    for (let attempt = 1; ; attempt++) {
      try {
        return decode(await sendHttp(this.#sign(operation, body, url), context), context, codec?.reviver);
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        error.attempts = attempt;
        if (!error.retryable || attempt >= maxAttempts) throw error;
        const throttled = error instanceof AwsServiceError && isThrottling(error.code, error.statusCode);
        await (this.#options.sleep ?? wait)(retryDelayMs(attempt, throttled));
      }
    }
  }

  /** Signed again for each attempt, so a retry carries a fresh date. */
  #sign(operation: string, body: string, endpoint: URL): HttpCall {
    const { config } = this;
    const { service } = this.#options;
    const headers: Record<string, string> = {
      host: endpoint.host,
      'content-type': service.contentType,
      'x-amz-target': `${service.targetPrefix}.${operation}`,
    };
    const signed = signRequest(
      { method: 'POST', path: endpoint.pathname, headers, body },
      {
        credentials: config.credentials,
        service: service.signingName,
        region: config.region,
        date: (this.#options.now ?? (() => new Date()))(),
      },
    );
    return {
      url: endpoint,
      method: 'POST',
      headers: { ...headers, ...signed, 'user-agent': 'taglane-aws-lite' },
      body,
      timeoutMs: this.#options.timeoutMs ?? 2000,
    };
  }
}

/** The answer's JSON, or the service error it carries. */
function decode(answer: HttpAnswer, context: AwsErrorContext, reviver: JsonCodec['reviver']): unknown {
  const parsed = parseJson(answer.body, reviver);
  if (answer.statusCode >= 200 && answer.statusCode < 300) {
    if (parsed === undefined && answer.body.trim() !== '') {
      throw new AwsServiceError(
        { code: 'InvalidResponse', statusCode: answer.statusCode, message: 'the answer is not JSON' },
        context,
        false,
      );
    }
    return parsed ?? {};
  }
  const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const code = errorCode(answer.headers, fields) ?? 'UnknownError';
  const message = stringField(fields, 'message') ?? stringField(fields, 'Message') ?? 'UnknownError';
  const requestId = headerValue(answer.headers, 'x-amzn-requestid');
  throw new AwsServiceError(
    { code, statusCode: answer.statusCode, message, requestId },
    context,
    isRetryableAnswer(code, answer.statusCode),
  );
}

/** As the SDK reads it: `x-amzn-errortype`, then `code`, then `__type`; `ns#Code:uri` -> `Code`. */
function errorCode(headers: IncomingHttpHeaders, body: Record<string, unknown>): string | undefined {
  const raw =
    headerValue(headers, 'x-amzn-errortype') ?? stringField(body, 'code') ?? stringField(body, '__type');
  if (raw === undefined) return undefined;
  let code = raw;
  if (code.includes(':')) code = code.slice(0, code.indexOf(':'));
  if (code.includes('#')) code = code.slice(code.indexOf('#') + 1);
  return code;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(text: string, reviver: JsonCodec['reviver']): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text, reviver) as unknown;
  } catch {
    return undefined;
  }
}
