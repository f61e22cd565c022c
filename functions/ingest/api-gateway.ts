import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { IngestRequest, IngestResponse } from '../../src/ingest/index.ts';

/**
 * An API Gateway HTTP API (payload 2.0) event as `ingest()`'s request. A base64 body is
 * decoded to the exact bytes the sender signed; a text body is taken as UTF-8, which is how
 * API Gateway produced it from the same bytes.
 */
export function toIngestRequest(event: APIGatewayProxyEventV2): IngestRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body =
    event.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    ...(event.pathParameters ? { pathParameters: event.pathParameters } : {}),
    query: event.queryStringParameters ?? {},
    headers,
    body,
    requestId: event.requestContext.requestId,
    sourceIp: event.requestContext.http.sourceIp,
  };
}

/** `ingest()`'s response as an API Gateway result (text; base64 only for the tracker's GIF). */
export function toApiGatewayResult(response: IngestResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { ...response.headers },
    body: response.body,
    isBase64Encoded: response.isBase64Encoded === true,
  };
}
