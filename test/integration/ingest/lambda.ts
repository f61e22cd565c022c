import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** An API Gateway HTTP API (payload format 2.0) event as API Gateway builds it. */
export function apiEvent(init: {
  method?: string;
  path: string;
  routeKey?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  body?: Buffer;
  base64?: boolean;
}): APIGatewayProxyEventV2 {
  const method = init.method ?? 'POST';
  const requestId = randomUUID();
  const query = new URLSearchParams(init.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: init.routeKey ?? `${method} ${init.path}`,
    rawPath: init.path,
    rawQueryString: query,
    headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com', ...init.headers },
    ...(init.query ? { queryStringParameters: init.query } : {}),
    ...(init.pathParameters ? { pathParameters: init.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: init.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId,
      routeKey: init.routeKey ?? `${method} ${init.path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(init.body === undefined
      ? {}
      : { body: init.base64 ? init.body.toString('base64') : init.body.toString('utf8') }),
    isBase64Encoded: init.base64 ?? false,
  };
}

/** A Lambda context for an in-process invocation. */
export function lambdaContext(): Context {
  const fail = (): never => {
    throw new Error('not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'taglane-ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:taglane-ingest',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/taglane-ingest',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: fail,
    fail,
    succeed: fail,
  };
}

/** Narrows the handler's union result to the structured form ingest always returns. */
export function structured(
  result: unknown,
): APIGatewayProxyStructuredResultV2 & { json: Record<string, unknown> } {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    throw new Error('expected a structured API Gateway result');
  }
  const typed = result as APIGatewayProxyStructuredResultV2;
  return { ...typed, json: JSON.parse(typed.body ?? 'null') as Record<string, unknown> };
}
