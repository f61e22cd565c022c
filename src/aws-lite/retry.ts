/**
 * The retry policy of the AWS SDK's standard mode, as a pure function of the failure: which
 * answers are worth another attempt and how long to wait before it.
 */

/** Error codes the SDK treats as throttling (`@smithy/service-error-classification`). */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Error codes the SDK treats as transient. */
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** HTTP statuses the SDK treats as transient. */
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

/** Attempts of one call in standard mode, the first included. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Whether an answer with this code is throttling: retried, after a longer wait. */
export function isThrottling(code: string, statusCode: number): boolean {
  return THROTTLING_CODES.has(code) || statusCode === 429;
}

/** Whether an error answer is worth another attempt: throttling or transient, never a client error. */
export function isRetryableAnswer(code: string, statusCode: number): boolean {
  return isThrottling(code, statusCode) || TRANSIENT_CODES.has(code) || TRANSIENT_STATUSES.has(statusCode);
}

/**
 * Milliseconds to wait before attempt `attempt + 1`: full jitter over an exponential ceiling
 * (base 100 ms, 500 ms after throttling, at most 20 s), as in the SDK's standard mode.
 */
export function retryDelayMs(
  attempt: number,
  throttled: boolean,
  random: () => number = Math.random,
): number {
  const base = throttled ? 500 : 100;
  return Math.floor(random() * Math.min(20_000, base * 2 ** (attempt - 1)));
}
