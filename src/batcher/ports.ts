import type { VisitorStore } from '../identity/ports.ts';
import type { MatomoEndpoint } from '../matomo/client.ts';
import type { RetryPolicy } from './backoff.ts';

export type { PersonRecord as VisitorRecord, VisitorStore } from '../identity/ports.ts';

/**
 * A request as the delivery log files it. `bucket` is the HMAC of its visitor key (the visitor
 * store's hash): every copy of a request carries the same key, so a log may group a person's
 * ids under it and look a copy up there.
 */
export interface LoggedRequest {
  readonly id: string;
  readonly bucket: string;
}

/** Which requests were delivered already, so a redelivered message is not sent twice. */
export interface DeliveryLog {
  /** The ids among `requests` recorded as delivered (and not yet expired). */
  delivered(requests: readonly LoggedRequest[]): Promise<ReadonlySet<string>>;
  /**
   * Records `requests` as delivered until `expiresAt` (unix seconds). Returns the ids it found
   * recorded already (each one was sent to Matomo twice), as far as the store can tell: the
   * DynamoDB log writes unconditionally and always returns none.
   */
  record(requests: readonly LoggedRequest[], expiresAt: number): Promise<readonly string[]>;
  /**
   * Counts one more receive on which each of `ids` failed alone (a bulk of one answered 500
   * while Matomo accepted other bulks) and returns the new totals; kept until `expiresAt`.
   */
  countLoneFailures(ids: readonly string[], expiresAt: number): Promise<ReadonlyMap<string, number>>;
}

/** When each Matomo (by URL) last accepted a bulk, in unix milliseconds. */
export interface AcceptanceLog {
  lastAccepted(url: string): number | undefined;
  accepted(url: string, atMs: number): void;
}

/** A message handed back to the queue, to be received again after `seconds`. */
export interface RetryDelay {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly seconds: number;
}

/**
 * Sets when retried messages come back (SQS ChangeMessageVisibility). Implementations:
 * `src/adapters/sqs-retry-scheduler.ts`.
 */
export interface RetryScheduler {
  /** Applies the delays; returns the message ids whose delay could not be set. */
  delay(retries: readonly RetryDelay[]): Promise<ReadonlySet<string>>;
}

/** Why a request can never be delivered. */
export type DeadLetterReason =
  | 'malformed'
  | 'invalid'
  | 'rejected'
  | 'too-large'
  | 'old-cdt-without-token'
  | 'cip-without-token'
  | 'unknown-destination'
  | 'expired';

/** A message moved to the dead-letter queue with the reason. */
export interface DeadLetter {
  readonly messageId: string;
  readonly reason: DeadLetterReason;
  /** A sentence for the operator; never holds a secret. */
  readonly detail: string;
  /** The original message body. */
  readonly body: string;
}

/** The dead-letter queue. */
export interface DeadLetterSink {
  /** Sends the letters; returns the message ids of those that could not be sent. */
  send(letters: readonly DeadLetter[]): Promise<ReadonlySet<string>>;
}

/** A Matomo to deliver to. */
export interface Destination {
  readonly url: string;
  readonly token: string | undefined;
}

/** Structured log port; Powertools' Logger fits it. */
export interface BatcherLog {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Tunables of delivery. */
export interface BatcherConfig {
  /** Requests per bulk. @default 100 */
  readonly maxRequests: number;
  /** Bytes per bulk body. @default 1048576 */
  readonly maxBytes: number;
  /** How long delivered request ids are remembered, in seconds. @default 7 days */
  readonly deliveredTtlSeconds: number;
  /**
   * The Matomo client's timeout per bulk, in milliseconds: a bulk is started only while the
   * invocation has at least this much time left plus a reserve for recording. @default 10000
   */
  readonly bulkTimeoutMs?: number;
  /**
   * Bulks sent at once to one Matomo: a batch's requests are split by person into this many
   * lanes, each sent in time order (a person is never in two lanes). The batcher's environment
   * sets 4 (`TAGLANE_DELIVERY_LANES`), as many as QueuedTracking has queues. @default 1
   */
  readonly lanes?: number;
  /** Secret keying the HMAC of visitor keys. */
  readonly visitorHmacKey: string;
  /**
   * Growing delays between retries, and the retention after which a message is dead-lettered
   * as `expired`. @default none: the queue's visibility timeout, no expiry check
   */
  readonly retry?: RetryPolicy;
  /**
   * Receives on which a request must fail alone (500 to a bulk of one, while Matomo accepted
   * other bulks) before it is dead-lettered as `rejected`. @default 5
   */
  readonly poisonAfter?: number;
}

/** Everything {@link deliver} talks to. */
export interface BatcherDeps {
  readonly visitors: VisitorStore;
  readonly deliveryLog: DeliveryLog;
  readonly matomo: MatomoEndpoint;
  readonly deadLetters: DeadLetterSink;
  /**
   * Remembers across invocations when Matomo last accepted a bulk: evidence that a request
   * failing alone is poison even when it is alone in its batch. @default this batch only
   */
  readonly acceptance?: AcceptanceLog;
  /** Delays retried messages by {@link BatcherConfig.retry}. @default none: the visibility timeout applies */
  readonly retries?: RetryScheduler;
  /** Resolves a queued request's `destination` name (`default` is MATOMO_URL). */
  readonly destination: (name: string) => Promise<Destination | undefined>;
  readonly config: BatcherConfig;
  /** Clock in unix milliseconds. */
  readonly now: () => number;
  /** A new random 16-hex visitor id. @default crypto random */
  readonly newVisitorId?: () => string;
  readonly log?: BatcherLog;
}
