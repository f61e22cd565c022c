import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { IngestLogger, IngestMetrics } from '../../src/ingest/index.ts';

/** `ingest()`'s log port on a Powertools Logger (JSON lines with the correlation id). */
export function powertoolsLogger(logger: Logger): IngestLogger {
  return {
    info: (message, attributes = {}) => logger.info(message, { ...attributes }),
    warn: (message, attributes = {}) => logger.warn(message, { ...attributes }),
    error: (message, attributes = {}) => logger.error(message, { ...attributes }),
  };
}

/**
 * `ingest()`'s metrics port on Powertools Metrics (CloudWatch EMF). Metrics with dimensions
 * (`rejected` by reason, counts by source) are published as single metrics so their
 * dimensions do not leak onto the others; the rest are flushed by `logMetrics` per invocation.
 */
export function powertoolsMetrics(metrics: Metrics): IngestMetrics {
  return {
    count(name, value, dimensions) {
      if (!dimensions || Object.keys(dimensions).length === 0) {
        metrics.addMetric(name, MetricUnit.Count, value);
        return;
      }
      const single = metrics.singleMetric();
      for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}

/** Dotted-path lookup for the Logger's correlation id (Powertools' JMESPath package is not bundled). */
export function searchPath(expression: string, data: unknown): unknown {
  let value: unknown = data;
  for (const key of expression.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
