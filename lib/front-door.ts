import type { Duration } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { TaglaneConfig } from './config.ts';
import { TaglaneFunctionUrl } from './function-url.ts';
import { TaglaneHttpApi } from './http-api.ts';

/** The stack's public entrance, whichever `frontDoor` built it. */
export interface FrontDoor {
  readonly httpApi: TaglaneHttpApi | undefined;
  readonly functionUrl: TaglaneFunctionUrl | undefined;
  /** Base URL, without a trailing slash. */
  readonly url: string;
  /** Its 5xx answers, summed per period. */
  readonly serverErrors: (period: Duration) => IMetric;
}

/**
 * The HTTP API (`frontDoor=http-api`), or a function URL with ingest's concurrency reserved:
 * without API Gateway's throttling, the reservation is what stops a flood from running up the
 * bill or taking the account's whole concurrency. Built in `scope` itself (ids `Http` and
 * `FunctionUrl`), so the HTTP API keeps the logical ids, and URL, of earlier deployments.
 */
export function buildFrontDoor(
  scope: Construct,
  ingest: IFunction,
  config: TaglaneConfig,
  logRetention: RetentionDays,
  /** The browser tracker's paths, when the stack has a tracker file. */
  trackerPaths: readonly string[] | undefined,
): FrontDoor {
  const reserved = config.ingestReservedConcurrency ?? (config.frontDoor === 'function-url' ? 10 : undefined);
  if (reserved !== undefined) {
    (ingest.node.defaultChild as CfnFunction).reservedConcurrentExecutions = reserved;
  }
  if (config.frontDoor === 'function-url') {
    const functionUrl = new TaglaneFunctionUrl(scope, 'FunctionUrl', { handler: ingest });
    return {
      httpApi: undefined,
      functionUrl,
      url: functionUrl.url,
      serverErrors: (period) => functionUrl.serverErrors(period),
    };
  }
  const httpApi = new TaglaneHttpApi(scope, 'Http', {
    handler: ingest,
    rateLimit: config.throttleRateLimit,
    burstLimit: config.throttleBurstLimit,
    logRetention,
    tracker: trackerPaths !== undefined,
    ...(trackerPaths === undefined ? {} : { trackerPaths }),
  });
  return {
    httpApi,
    functionUrl: undefined,
    url: httpApi.url,
    serverErrors: (period) => httpApi.api.metricServerError({ period, statistic: 'Sum' }),
  };
}
