import { Duration, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Which alarms the stack creates. Each alarm metric is billed monthly (CloudWatch bills per
 * metric, also inside one metric-math alarm), so the sets grow by what they add:
 * - `minimal`: the dead-letter queue and the front door's 5xx answers (where data is at risk);
 * - `standard`: plus the oldest queued request's age (delivery stalled: Matomo or the batcher);
 * - `full`: plus the batcher's own retry age and both functions' errors and throttles.
 */
export type AlarmSet = 'minimal' | 'standard' | 'full';

/** Alarm ids of each set, in the order they are created. */
export const ALARMS: Readonly<Record<AlarmSet, readonly string[]>> = {
  minimal: ['DeadLetterQueueNotEmpty', 'FrontDoorServerErrors'],
  standard: ['DeadLetterQueueNotEmpty', 'FrontDoorServerErrors', 'OldestMessageTooOld'],
  full: [
    'DeadLetterQueueNotEmpty',
    'FrontDoorServerErrors',
    'OldestMessageTooOld',
    'OldestRetryTooOld',
    'IngestErrors',
    'IngestThrottles',
    'BatcherErrors',
    'BatcherThrottles',
  ],
};

/** Properties of {@link TaglaneMonitoring}. */
export interface TaglaneMonitoringProps {
  readonly ingest: IFunction;
  readonly batcher: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** 5xx answers of the front door (HTTP API or function URL), summed per period. */
  readonly frontDoorServerErrors: (period: Duration) => IMetric;
  /** Alarm when the oldest queued request is older than this. @default 900 */
  readonly oldestMessageAgeAlarmSeconds?: number;
  /** Subscribed to the alarm topic. @default no subscription */
  readonly alarmEmail?: string | undefined;
  /** @default 'standard' */
  readonly alarms?: AlarmSet;
  /** Encrypt the alarm topic with a customer managed KMS key ($1 a month). @default false */
  readonly topicKey?: boolean;
  /** Create the CloudWatch dashboard ($3 a month beyond an account's three free ones). @default false */
  readonly dashboard?: boolean;
}

/**
 * Alarms for the ways Taglane loses or delays data, all sent to one SNS topic, and an optional
 * dashboard with the same metrics (see {@link AlarmSet} for which alarms). Every failure mode
 * ends in one of the `minimal` signals: a request the batcher cannot deliver is dead-lettered
 * (by the batcher, or by SQS after `maxReceiveCount` receives of a crashing batcher), and a
 * failing ingest answers 5xx. `standard` adds the early warning for delivery delays.
 */
export class TaglaneMonitoring extends Construct {
  public readonly topic: Topic;
  public readonly alarms: readonly Alarm[];
  public readonly dashboard: Dashboard | undefined;

  constructor(scope: Construct, id: string, props: TaglaneMonitoringProps) {
    super(scope, id);
    this.topic = this.#topic(props.topicKey === true);
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const minute = Duration.minutes(1);
    const threshold = props.oldestMessageAgeAlarmSeconds ?? 900;
    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute });
    const oldest = props.queue.metricApproximateAgeOfOldestMessage({ period: minute });
    // Published by the batcher: SQS's metric above skips messages received more than three
    // times, as every request of a long outage is once retries grow (see docs/delivery.md).
    const oldestRetried = new Metric({
      namespace: 'Taglane',
      metricName: 'oldestRetriedAge',
      dimensionsMap: { service: 'batcher' },
      statistic: 'Maximum',
      period: Duration.minutes(15),
    });
    const sum = { period: minute, statistic: 'Sum' };
    const fns = [
      { name: 'Ingest', fn: props.ingest },
      { name: 'Batcher', fn: props.batcher },
    ];
    const definitions: Record<string, () => Alarm> = {
      DeadLetterQueueNotEmpty: () =>
        this.#alarm('DeadLetterQueueNotEmpty', dlqDepth, 0, 'Requests reached the dead-letter queue'),
      FrontDoorServerErrors: () =>
        this.#alarm(
          'FrontDoorServerErrors',
          props.frontDoorServerErrors(Duration.minutes(5)),
          0,
          'Ingest answered 5xx (failing, throttled or the queue unavailable): senders retry, some give up',
        ),
      OldestMessageTooOld: () =>
        this.#alarm(
          'OldestMessageTooOld',
          oldest,
          threshold,
          'Tracking requests wait too long: is the batcher or Matomo failing?',
          3,
        ),
      OldestRetryTooOld: () =>
        this.#alarm(
          'OldestRetryTooOld',
          oldestRetried,
          threshold,
          'The batcher keeps retrying requests older than the threshold: Matomo has been failing for a while',
        ),
    };
    for (const { name, fn } of fns) {
      definitions[`${name}Errors`] = () =>
        this.#alarm(`${name}Errors`, fn.metricErrors(sum), 0, `${name} function errors`);
      definitions[`${name}Throttles`] = () =>
        this.#alarm(`${name}Throttles`, fn.metricThrottles(sum), 0, `${name} was throttled`);
    }
    const alarms = ALARMS[props.alarms ?? 'standard'].flatMap((name) => definitions[name]?.() ?? []);
    const action = new SnsAction(this.topic);
    for (const alarm of alarms) alarm.addAlarmAction(action);
    this.alarms = alarms;

    this.dashboard =
      props.dashboard === true
        ? new Dashboard(this, 'Dashboard', {
            widgets: [
              [
                new GraphWidget({
                  title: 'Queue',
                  left: [props.queue.metricApproximateNumberOfMessagesVisible({ period: minute }), dlqDepth],
                  right: [oldest, oldestRetried],
                }),
                new GraphWidget({
                  title: 'Invocations and errors',
                  left: fns.map(({ fn }) => fn.metricInvocations({ period: minute })),
                  right: fns.flatMap(({ fn }) => [
                    fn.metricErrors({ period: minute }),
                    fn.metricThrottles({ period: minute }),
                  ]),
                }),
                new GraphWidget({
                  title: 'Duration (p99)',
                  left: fns.map(({ fn }) => fn.metricDuration({ period: minute, statistic: 'p99' })),
                }),
              ],
            ],
          })
        : undefined;
  }

  /**
   * CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the choice
   * is a customer managed key CloudWatch may use ($1 a month) or no server-side encryption.
   */
  #topic(withKey: boolean): Topic {
    if (withKey) {
      const key = new Key(this, 'TopicKey', {
        enableKeyRotation: true,
        description: 'Taglane alarm topic encryption',
      });
      key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
      return new Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
    }
    const topic = new Topic(this, 'AlarmTopic', { enforceSSL: true });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and metric values, no secrets or tracking data; encryption at rest needs a customer managed key ($1 a month): -c alarmTopicKey=true.',
    });
    return topic;
  }

  /** An alarm that fires when `metric` exceeds `threshold`; missing data is healthy (no traffic). */
  #alarm(id: string, metric: IMetric, threshold: number, description: string, periods = 1): Alarm {
    return new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
  }
}
