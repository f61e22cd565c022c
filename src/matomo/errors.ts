/**
 * Why a bulk POST to Matomo did not go through. What the batcher does next is part of the type:
 * `retryable` failures go back to the queue, the others are split to find the culprit.
 */
export abstract class MatomoError extends Error {
  /** Sending the same bulk again later can succeed. */
  abstract readonly retryable: boolean;
  /** Splitting the bulk and sending the halves can get part of it through. */
  abstract readonly splittable: boolean;
}

/** Matomo could not be reached or is overloaded: network error, timeout, 429, 5xx other than 500, odd answer. */
export class MatomoUnavailableError extends MatomoError {
  override readonly name = 'MatomoUnavailableError';
  readonly retryable = true;
  readonly splittable = false;
  /** HTTP status, when Matomo (or a proxy) answered at all. */
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
  }
}

/**
 * HTTP 500 on a bulk: Matomo hit an exception and rolled the whole bulk back. Usually one
 * poisonous request (an unhandled `ca=1`) spoils the rest, so the bulk is split to isolate it.
 */
export class MatomoBulkFailedError extends MatomoError {
  override readonly name = 'MatomoBulkFailedError';
  readonly retryable = false;
  readonly splittable = true;
}

/** HTTP 413: the web server in front of Matomo refused a body that large. */
export class MatomoPayloadTooLargeError extends MatomoError {
  override readonly name = 'MatomoPayloadTooLargeError';
  readonly retryable = false;
  readonly splittable = true;
}
