import { MatomoBulkFailedError, MatomoPayloadTooLargeError, MatomoUnavailableError } from './errors.ts';

/** One bulk for one Matomo: entries are query strings such as `?idsite=1&rec=1&cid=...`. */
export interface MatomoBulk {
  /** Matomo base URL; the bulk goes to `${url}/matomo.php`. */
  readonly url: string;
  /** Sent at the top level of the bulk; never logged. */
  readonly token: string | undefined;
  readonly requests: readonly string[];
  /**
   * Taglane's request id of each entry, in the same order. Never sent: it lets whoever watches
   * the port (the local debugger) say which requests a bulk carried without parsing the queries.
   */
  readonly ids: readonly string[];
}

/** Matomo's 200 answer: every request was either tracked or counted invalid. */
export interface BulkAccepted {
  readonly tracked: number;
  readonly invalid: number;
  /** Positions of invalid requests; Matomo gives them only to super-user tokens. */
  readonly invalidIndices: readonly number[] | undefined;
}

/** The Matomo endpoint port of the batcher. Throws a {@link MatomoError} subclass on failure. */
export interface MatomoEndpoint {
  sendBulk(bulk: MatomoBulk): Promise<BulkAccepted>;
}

/** The JSON body of a bulk request. */
export function bulkBody(requests: readonly string[], token: string | undefined): string {
  return JSON.stringify(token === undefined ? { requests } : { requests, token_auth: token });
}

/**
 * Reads Matomo's answer to a bulk of `sent` requests. Accepted only when it is a 200 whose
 * `tracked + invalid` accounts for every request; anything else throws a typed error.
 */
export function classifyBulkResponse(status: number, text: string, sent: number): BulkAccepted {
  if (status === 500) return raise(new MatomoBulkFailedError('Matomo answered 500 and rolled the bulk back'));
  if (status === 413)
    return raise(new MatomoPayloadTooLargeError('Matomo refused the bulk as too large (413)'));
  if (status !== 200) return raise(new MatomoUnavailableError(`Matomo answered HTTP ${status}`, { status }));
  const answer = parseAnswer(text);
  if (answer === undefined || answer.tracked + answer.invalid !== sent) {
    // Debug output, a proxy page or a 204-style answer: nothing proves the requests were counted.
    return raise(
      new MatomoUnavailableError(`Matomo's answer does not account for the ${sent} requests sent`, {
        status,
      }),
    );
  }
  return answer;
}

function raise(error: Error): never {
  throw error;
}

function parseAnswer(text: string): BulkAccepted | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { status, tracked, invalid, invalid_indices: indices } = body as Record<string, unknown>;
  if (status !== 'success' || typeof tracked !== 'number') return undefined;
  const invalidCount = typeof invalid === 'number' ? invalid : 0;
  const invalidIndices =
    Array.isArray(indices) && indices.every((i) => Number.isInteger(i)) ? (indices as number[]) : undefined;
  return { tracked, invalid: invalidCount, invalidIndices };
}

/** Options for {@link FetchMatomoClient}. */
export interface FetchMatomoClientOptions {
  /** Per bulk POST, in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** @default globalThis.fetch (Node's undici, keep-alive by default) */
  readonly fetch?: typeof fetch;
}

/** Sends bulks to Matomo's `/matomo.php` with `fetch`, a timeout and keep-alive connections. */
export class FetchMatomoClient implements MatomoEndpoint {
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: FetchMatomoClientOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async sendBulk(bulk: MatomoBulk): Promise<BulkAccepted> {
    const url = `${bulk.url.replace(/\/+$/, '')}/matomo.php`;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bulkBody(bulk.requests, bulk.token),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      // The cause is a network or abort error; it never contains the body or the token.
      const what = cause instanceof Error && cause.name === 'TimeoutError' ? 'timed out' : 'failed';
      throw new MatomoUnavailableError(`POST ${url} ${what}`, { cause });
    }
    return classifyBulkResponse(response.status, text, bulk.requests.length);
  }
}
