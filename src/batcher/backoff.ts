/**
 * How a request Matomo could not take is retried: each receive that fails waits twice as long
 * as the one before, from `baseSeconds` up to `maxSeconds`, for as long as the queue keeps the
 * message. An outage of any length up to the retention therefore costs a few dozen receives,
 * never a dead letter, and the request goes out within one delay step of Matomo's recovery.
 */
export interface RetryPolicy {
  /** Delay after the first failed receive (the queue's visibility timeout). */
  readonly baseSeconds: number;
  /** Longest delay; SQS allows 12 hours. @default 43200 */
  readonly maxSeconds: number;
  /** How long the queue keeps a message (its MessageRetentionPeriod). @default 14 days */
  readonly retentionSeconds: number;
}

/** SQS's longest visibility timeout, the ceiling of every delay. */
export const MAX_DELAY_SECONDS = 43_200;

/** SQS's longest retention, and the queue's: 14 days. */
export const MAX_RETENTION_SECONDS = 1_209_600;

/** What to do with a message that failed on its `receiveCount`-th receive. */
export type RetryPlan =
  | { readonly kind: 'delay'; readonly seconds: number }
  | { readonly kind: 'expire'; readonly detail: string };

/**
 * Seconds until the next receive of a message that failed on its `receiveCount`-th receive:
 * `base · 2^(receiveCount − 1)`, at most `maxSeconds`.
 *
 * @example retryDelaySeconds(3, { baseSeconds: 30, maxSeconds: 43200, retentionSeconds: 1209600 }) // 120
 */
export function retryDelaySeconds(receiveCount: number, policy: RetryPolicy): number {
  const cap = Math.min(policy.maxSeconds, MAX_DELAY_SECONDS);
  const exponent = Math.max(0, Math.floor(receiveCount) - 1);
  // 2^exponent overflows to Infinity long after the cap is reached; min() keeps it finite.
  return Math.min(cap, Math.round(policy.baseSeconds * 2 ** Math.min(exponent, 60)));
}

/**
 * Delays the next receive, or dead-letters the message now when the queue would delete it
 * before that receive could finish (its age plus the delay plus one base step reaches the
 * retention): a message must never vanish silently.
 */
export function planRetry(
  message: { readonly receiveCount: number; readonly sentAtMs: number | undefined },
  nowMs: number,
  policy: RetryPolicy,
): RetryPlan {
  const seconds = retryDelaySeconds(message.receiveCount, policy);
  if (message.sentAtMs === undefined) return { kind: 'delay', seconds };
  const ageSeconds = Math.max(0, (nowMs - message.sentAtMs) / 1000);
  if (ageSeconds + seconds + policy.baseSeconds < policy.retentionSeconds) return { kind: 'delay', seconds };
  const days = (ageSeconds / 86_400).toFixed(1);
  return {
    kind: 'expire',
    detail:
      `queued ${days} days ago and failed on ${message.receiveCount} receives; the next retry ` +
      `(in ${seconds} s) would come after the queue's ${policy.retentionSeconds} s retention deletes it`,
  };
}

/**
 * How many receives a message gets in an outage of `seconds` (the first one included): the
 * redrive policy's maxReceiveCount must stay above it for the retention, or SQS would
 * dead-letter requests because of an outage.
 */
export function receivesWithin(seconds: number, policy: RetryPolicy): number {
  let receives = 1;
  for (let elapsed = 0; ; receives += 1) {
    const step = retryDelaySeconds(receives, policy);
    // A zero base (a local queue that retries at once) never stops receiving.
    if (step <= 0) return Number.POSITIVE_INFINITY;
    elapsed += step;
    if (elapsed > seconds) return receives;
  }
}
