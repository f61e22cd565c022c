import { Duration } from 'aws-cdk-lib';
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

/** Properties of {@link TaglaneMonitoring}. */
export interface TaglaneMonitoringProps {
  readonly ingest: IFunction;
  readonly batcher: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** Alarm when the oldest queued request is older than this. @default 900 */
  readonly oldestMessageAgeAlarmSeconds?: number;
  /** Subscribed to the alarm topic. @default no subscription */
  readonly alarmEmail?: string | undefined;
}

/**
 * Alarms for the ways Taglane loses or delays data, all sent to one encrypted SNS topic, and a
 * dashboard with the same metrics:
 * - the DLQ has messages: requests Matomo will never get unless someone redrives them;
 * - the oldest queued request is old (SQS's ApproximateAgeOfOldestMessage), or the batcher
 *   retries an old one (its own `oldestRetriedAge`): the batcher is down or Matomo is failing;
 * - function errors and throttles: events are refused (ingest) or retried (batcher).
 */
export class TaglaneMonitoring extends Construct {
  public readonly topic: Topic;
  public readonly alarms: readonly Alarm[];
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TaglaneMonitoringProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the
    // topic gets its own key that CloudWatch may use.
    const key = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Taglane alarm topic encryption',
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const minute = Duration.minutes(1);
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
    const fns = [
      { name: 'Ingest', fn: props.ingest },
      { name: 'Batcher', fn: props.batcher },
    ];
    const alarms = [
      this.#alarm('DeadLetterQueueNotEmpty', dlqDepth, 0, 'Requests reached the dead-letter queue'),
      this.#alarm(
        'OldestMessageTooOld',
        oldest,
        props.oldestMessageAgeAlarmSeconds ?? 900,
        'Tracking requests wait too long: is the batcher or Matomo failing?',
        3,
      ),
      this.#alarm(
        'OldestRetryTooOld',
        oldestRetried,
        props.oldestMessageAgeAlarmSeconds ?? 900,
        'The batcher keeps retrying requests older than the threshold: Matomo has been failing for a while',
      ),
    ];
    for (const { name, fn } of fns) {
      const period = { period: minute, statistic: 'Sum' };
      alarms.push(this.#alarm(`${name}Errors`, fn.metricErrors(period), 0, `${name} function errors`));
      alarms.push(this.#alarm(`${name}Throttles`, fn.metricThrottles(period), 0, `${name} was throttled`));
    }
    const action = new SnsAction(this.topic);
    for (const alarm of alarms) alarm.addAlarmAction(action);
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new GraphWidget({
            title: 'Queue',
            left: [props.queue.metricApproximateNumberOfMessagesVisible({ period: minute }), dlqDepth],
            right: [oldest, oldestRetried],
          }),
          new GraphWidget({
            title: 'Invocations and errors',
            left: fns.flatMap(({ fn }) => [fn.metricInvocations({ period: minute })]),
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
    });
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
