import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { IngestDeps } from '../../src/ingest/index.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { problemResponse } from '../../src/ingest/problem.ts';
import type { PowertoolsSettings } from '../shared/powertools.ts';
import { toApiGatewayResult, toIngestRequest } from './api-gateway.ts';
import { powertoolsLogger, powertoolsMetrics, searchPath } from './observability.ts';

/** The ingest Lambda's handler type (API Gateway HTTP API, payload 2.0). */
export type IngestHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/**
 * The ingest Lambda: middy glue around `ingest()`. Powertools Logger adds the Lambda context
 * and the API Gateway request id as correlation id; Powertools Metrics flushes EMF after each
 * invocation. Logger and metrics in `deps` win over the Powertools ones (tests, local runtime);
 * `powertools` applies the settings of an environment other than `process.env` to them.
 */
export function createIngestHandler(deps: IngestDeps, powertools: PowertoolsSettings = {}): IngestHandler {
  const logger = new Logger({
    serviceName: 'taglane-ingest',
    correlationIdSearchFn: searchPath,
    ...(powertools.logLevel === undefined ? {} : { logLevel: powertools.logLevel }),
  });
  const metrics = new Metrics({ namespace: 'Taglane', serviceName: 'ingest' });
  // Disabled, nothing may reach Powertools Metrics: single metrics and a full store print at once.
  const noMetrics = powertools.metricsDisabled === true;
  const wired: IngestDeps = {
    ...deps,
    logger: deps.logger ?? powertoolsLogger(logger),
    metrics: deps.metrics ?? (noMetrics ? { count: () => undefined } : powertoolsMetrics(metrics)),
  };
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().use(
    injectLambdaContext(logger, { correlationIdPath: 'requestContext.requestId', resetKeys: true }),
  );
  // Flush Powertools' EMF only when it collects the metrics: with a metrics port in `deps` it
  // would flush nothing and warn about it on every request.
  if (deps.metrics === undefined && !noMetrics) handler.use(logMetrics(metrics));
  return handler
    .use({
      // Safety net: ingest() answers every failure itself; anything escaping it is a 500 problem.
      onError: (request) => {
        logger.error('unhandled error', { error: request.error });
        request.response = toApiGatewayResult(
          problemResponse(request.error, `urn:taglane:request:${request.event.requestContext.requestId}`),
        );
      },
    })
    .handler(async (event) => toApiGatewayResult(await ingest(toIngestRequest(event), wired)));
}

/**
 * A Lambda entry point composed by `compose` on its first invocation, then reused. A failed
 * composition (bad env, bad rules) is retried on the next invocation.
 */
export function lazyIngestHandler(compose: () => Promise<IngestDeps>): IngestHandler {
  let composed: Promise<IngestHandler> | undefined;
  return async (event, context) => {
    composed ??= compose()
      .then(createIngestHandler)
      .catch((error: unknown) => {
        composed = undefined;
        throw error;
      });
    return (await composed)(event, context);
  };
}
