import { Duration } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link TaglaneQueues}. */
export interface TaglaneQueuesProps {
  /** `fifo`: strict per-visitor order, the visitor key is the message group. @default 'standard' */
  readonly mode?: 'standard' | 'fifo';
  /** Receives before a request moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Timeout of the consuming function; the visibility timeout is derived from it. */
  readonly consumerTimeoutSeconds: number;
  /** Batching window of the event source, added to the visibility timeout. @default 0 */
  readonly batchWindowSeconds?: number;
}

/**
 * The tracking-request queue and its dead-letter queue, both encrypted and TLS-only.
 *
 * The visibility timeout is six times the consumer's timeout plus the batching window (AWS's
 * guidance for Lambda event sources), so a message is never redelivered while a slow but
 * healthy batcher still holds it. The DLQ keeps messages for 14 days, SQS's maximum, to leave
 * time to fix rules or Matomo and redrive.
 */
export class TaglaneQueues extends Construct {
  /** Queue ingest writes to and the batcher reads. */
  public readonly queue: Queue;
  /** Requests that failed `maxReceiveCount` times or were dead-lettered as invalid. */
  public readonly deadLetterQueue: Queue;
  /** Whether both queues are FIFO. */
  public readonly fifo: boolean;

  constructor(scope: Construct, id: string, props: TaglaneQueuesProps) {
    super(scope, id);
    this.fifo = props.mode === 'fifo';
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
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(6 * props.consumerTimeoutSeconds + (props.batchWindowSeconds ?? 0)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
  }
}
