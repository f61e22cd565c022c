import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type IngestDeps, ingest, problemResponse } from '../../src/ingest/index.ts';
import { toApiGatewayResult, toIngestRequest } from './api-gateway.ts';
import { type Env, ingestDepsFromEnv } from './env.ts';
import { powertoolsLogger, powertoolsMetrics, searchPath } from './observability.ts';

export { type Env, type IngestOverrides, ingestDepsFromEnv } from './env.ts';

type IngestHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/**
 * The ingest Lambda: middy glue around `ingest()`. Powertools Logger adds the Lambda context
 * and the API Gateway request id as correlation id; Powertools Metrics flushes EMF after each
 * invocation. Logger and metrics in `deps` win over the Powertools ones (tests, local runtime).
 */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const logger = new Logger({ serviceName: 'taglane-ingest', correlationIdSearchFn: searchPath });
  const metrics = new Metrics({ namespace: 'Taglane', serviceName: 'ingest' });
  const wired: IngestDeps = {
    ...deps,
    logger: deps.logger ?? powertoolsLogger(logger),
    metrics: deps.metrics ?? powertoolsMetrics(metrics),
  };
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().use(
    injectLambdaContext(logger, { correlationIdPath: 'requestContext.requestId', resetKeys: true }),
  );
  // Flush Powertools' EMF only when it collects the metrics: with a metrics port in `deps` it
  // would flush nothing and warn about it on every request.
  if (deps.metrics === undefined) handler.use(logMetrics(metrics));
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

let composed: Promise<IngestHandler> | undefined;

/** The Lambda entry point: composed from `process.env` on the first invocation, then reused. */
export const handler: IngestHandler = async (event, context) => {
  composed ??= ingestDepsFromEnv(process.env as Env)
    .then(createIngestHandler)
    .catch((error: unknown) => {
      // A failed composition (bad env, bad rules) is retried on the next invocation.
      composed = undefined;
      throw error;
    });
  return (await composed)(event, context);
};
