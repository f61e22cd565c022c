import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatcherLog, DeliveryReport } from '../../src/batcher/index.ts';

/** `deliver()`'s log port on a Powertools Logger (JSON lines with the Lambda context). */
export function powertoolsLog(logger: Logger): BatcherLog {
  return {
    info: (message, attributes = {}) => logger.info(message, { ...attributes }),
    warn: (message, attributes = {}) => logger.warn(message, { ...attributes }),
    error: (message, attributes = {}) => logger.error(message, { ...attributes }),
  };
}

/**
 * Publishes a delivery report as CloudWatch EMF metrics: counts per outcome, dead letters by
 * reason (a single metric each, so the `reason` dimension stays off the others), bulk sizes
 * and Matomo latency per bulk.
 */
export function publishDeliveryMetrics(metrics: Metrics, report: DeliveryReport): void {
  const { counts } = report;
  metrics.addMetric('received', MetricUnit.Count, counts.received);
  metrics.addMetric('delivered', MetricUnit.Count, counts.delivered);
  metrics.addMetric('skippedAlreadyDelivered', MetricUnit.Count, counts.skipped);
  metrics.addMetric('invalid', MetricUnit.Count, counts.invalid + counts.invalidUnindexed);
  metrics.addMetric('invalidUnindexed', MetricUnit.Count, counts.invalidUnindexed);
  metrics.addMetric('retried', MetricUnit.Count, counts.retried);
  metrics.addMetric('sentTwice', MetricUnit.Count, counts.sentTwice);
  metrics.addMetric('deliveredNotRecorded', MetricUnit.Count, counts.unrecorded);
  for (const [reason, count] of Object.entries(counts.deadLettered)) {
    const single = metrics.singleMetric();
    single.addDimension('reason', reason);
    single.addMetric('deadLettered', MetricUnit.Count, count ?? 0);
  }
  // SQS's ApproximateAgeOfOldestMessage skips messages received more than three times, which
  // every request of a long outage is: this age is what the OldestRetryTooOld alarm watches.
  if (report.oldestRetriedSeconds !== undefined) {
    metrics.addMetric('oldestRetriedAge', MetricUnit.Seconds, report.oldestRetriedSeconds);
  }
  for (const bulk of report.bulks) {
    metrics.addMetric('bulkSize', MetricUnit.Count, bulk.size);
    metrics.addMetric('matomoLatency', MetricUnit.Milliseconds, bulk.latencyMs);
  }
}
