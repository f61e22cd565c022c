import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type BatcherDeps, deliver, type QueueMessage } from '../../src/batcher/index.ts';
import type { PowertoolsSettings } from '../shared/powertools.ts';
import { batcherDepsFromEnv, type Env } from './env.ts';
import { powertoolsLog, publishDeliveryMetrics } from './observability.ts';

export { type BatcherOverrides, batcherDepsFromEnv, type Env } from './env.ts';

type BatcherHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The batcher Lambda: middy glue around `deliver()` with partial batch responses. Powertools
 * Logger adds the Lambda context; Powertools Metrics flushes EMF after each invocation. A log
 * port in `deps` wins over the Powertools one (tests, local runtime); `powertools` applies the
 * settings of an environment other than `process.env` to Logger and Metrics.
 */
export function createBatcherHandler(deps: BatcherDeps, powertools: PowertoolsSettings = {}): BatcherHandler {
  const logger = new Logger({
    serviceName: 'taglane-batcher',
    ...(powertools.logLevel === undefined ? {} : { logLevel: powertools.logLevel }),
  });
  const metrics = new Metrics({ namespace: 'Taglane', serviceName: 'batcher' });
  // Disabled, nothing may reach Powertools Metrics: single metrics and a full store print at once.
  const withMetrics = powertools.metricsDisabled !== true;
  const wired: BatcherDeps = { ...deps, log: deps.log ?? powertoolsLog(logger) };
  // No early timeout: middy would answer "all failed" while deliver() kept running, and a
  // second invocation could then send the same requests while the first still had them in
  // flight (seen under load locally, where the poller waits for no one). At the Lambda
  // timeout the runtime is reset instead, so nothing resumes in the background.
  const handler = middy<SQSEvent, SQSBatchResponse>({ timeoutEarlyInMillis: 0 }).use(
    injectLambdaContext(logger, { resetKeys: true }),
  );
  if (withMetrics) handler.use(logMetrics(metrics));
  return handler
    .use({
      // Safety net: deliver() settles every message itself; if it still throws, SQS retries all.
      onError: (request) => {
        logger.error('unhandled error', { error: request.error });
        request.response = {
          batchItemFailures: request.event.Records.map((r: SQSRecord) => ({ itemIdentifier: r.messageId })),
        };
      },
    })
    .handler(async (event, context) => {
      const report = await deliver(
        event.Records.map(toQueueMessage),
        wired,
        // Lambda always provides it; hand-made test contexts may not.
        typeof context.getRemainingTimeInMillis === 'function'
          ? { remainingMs: () => context.getRemainingTimeInMillis() }
          : {},
      );
      if (withMetrics) publishDeliveryMetrics(metrics, report);
      logger.info('batch delivered', { ...report.counts, bulks: report.bulks.length });
      return { batchItemFailures: report.batchItemFailures };
    });
}

/** An SQS record as `deliver()` reads it: the receive count and age drive the retry delays. */
function toQueueMessage(record: SQSRecord): QueueMessage {
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
  const sentAtMs = Number(record.attributes?.SentTimestamp);
  return {
    messageId: record.messageId,
    body: record.body,
    ...(record.receiptHandle ? { receiptHandle: record.receiptHandle } : {}),
    ...(Number.isInteger(receiveCount) && receiveCount > 0 ? { receiveCount } : {}),
    ...(Number.isFinite(sentAtMs) && sentAtMs > 0 ? { sentAtMs } : {}),
  };
}

let composed: Promise<BatcherHandler> | undefined;

/** The Lambda entry point: composed from `process.env` on the first invocation, then reused. */
export const handler: BatcherHandler = async (event, context) => {
  composed ??= batcherDepsFromEnv(process.env as Env)
    .then(createBatcherHandler)
    .catch((error: unknown) => {
      // A failed composition (bad env, missing secret) is retried on the next invocation.
      composed = undefined;
      throw error;
    });
  return (await composed)(event, context);
};
