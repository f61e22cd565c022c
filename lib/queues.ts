import { Duration } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  MAX_DELAY_SECONDS,
  MAX_RETENTION_SECONDS,
  type RetryPolicy,
  receivesWithin,
} from '../src/batcher/backoff.ts';

/** The redrive safety net's default: well above the 34 receives of a 14-day outage. */
export const DEFAULT_MAX_RECEIVE_COUNT = 100;

/**
 * The queue's visibility timeout: six times the consumer's timeout plus the batching window
 * (AWS's guidance for Lambda event sources), so a message is never redelivered while a slow
 * but healthy batcher still holds it.
 */
export function visibilityTimeoutSeconds(consumerTimeoutSeconds: number, batchWindowSeconds = 0): number {
  return 6 * consumerTimeoutSeconds + batchWindowSeconds;
}

/** How the batcher retries on a queue with this visibility timeout: doubling to 12 h for 14 days. */
export function retryPolicyFor(visibilitySeconds: number): RetryPolicy {
  return {
    baseSeconds: visibilitySeconds,
    maxSeconds: MAX_DELAY_SECONDS,
    retentionSeconds: MAX_RETENTION_SECONDS,
  };
}

/**
 * The lowest maxReceiveCount that cannot fire during an outage as long as the retention: one
 * more than the receives such an outage costs under the batcher's growing delays.
 */
export function minimumMaxReceiveCount(visibilitySeconds: number): number {
  return receivesWithin(MAX_RETENTION_SECONDS, retryPolicyFor(visibilitySeconds)) + 1;
}

/** Properties of {@link TaglaneQueues}. */
export interface TaglaneQueuesProps {
  /** `fifo`: strict per-visitor order, the visitor key is the message group. @default 'standard' */
  readonly mode?: 'standard' | 'fifo';
  /**
   * Receives before SQS moves a request to the dead-letter queue: a safety net for a batcher
   * that crashes on a message, above what a 14-day outage costs (see
   * {@link minimumMaxReceiveCount}). @default 100
   */
  readonly maxReceiveCount?: number;
  /** Timeout of the consuming function; the visibility timeout is derived from it. */
  readonly consumerTimeoutSeconds: number;
  /** Batching window of the event source, added to the visibility timeout. @default 0 */
  readonly batchWindowSeconds?: number;
}

/**
 * The tracking-request queue and its dead-letter queue, both encrypted and TLS-only.
 *
 * Both keep messages for 14 days, SQS's maximum: the batcher retries a request Matomo cannot
 * take with growing delays (ChangeMessageVisibility, from the visibility timeout doubling up
 * to 12 h) for that long, and dead-letters it as `expired` before the queue would delete it.
 * SQS's own redrive stays as a safety net for a batcher that crashes on a message (and so
 * `taglane redrive` / StartMessageMoveTask keeps working); its maxReceiveCount must be above
 * the receives of a 14-day outage, or it would dead-letter requests because of an outage.
 */
export class TaglaneQueues extends Construct {
  /** Queue ingest writes to and the batcher reads. */
  public readonly queue: Queue;
  /** Requests that failed `maxReceiveCount` times or were dead-lettered as invalid. */
  public readonly deadLetterQueue: Queue;
  /** Whether both queues are FIFO. */
  public readonly fifo: boolean;
  /** How the batcher delays retries on {@link queue}; passed to it as environment. */
  public readonly retryPolicy: RetryPolicy;

  constructor(scope: Construct, id: string, props: TaglaneQueuesProps) {
    super(scope, id);
    this.fifo = props.mode === 'fifo';
    const visibility = visibilityTimeoutSeconds(props.consumerTimeoutSeconds, props.batchWindowSeconds);
    this.retryPolicy = retryPolicyFor(visibility);
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    const minimum = minimumMaxReceiveCount(visibility);
    if (maxReceiveCount < minimum) {
      throw new Error(
        `maxReceiveCount ${maxReceiveCount} would dead-letter requests during an outage: a 14-day outage costs ${minimum - 1} receives with a ${visibility} s visibility timeout; use at least ${minimum}`,
      );
    }
    const fifoProps = this.fifo
      ? {
          fifo: true,
          // Ingest sets the request id as deduplication id; dedupe and throughput per visitor
          // (message group) lets different visitors flow in parallel.
          contentBasedDeduplication: false,
          deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
          fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        }
      : {};
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...fifoProps,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      ...fifoProps,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(MAX_RETENTION_SECONDS),
      visibilityTimeout: Duration.seconds(visibility),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
  }
}
