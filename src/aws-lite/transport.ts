import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type AwsErrorContext, AwsNetworkError, AwsTimeoutError } from './errors.ts';

/** One HTTP request of an AWS call. */
export interface HttpCall {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The whole exchange, connect to last byte of the answer, in ms. */
  readonly timeoutMs: number;
}

/** A complete answer. */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

// Kept-alive connections: a warm Lambda reuses its TLS session to SQS instead of paying a
// handshake on each invocation. node:http rather than fetch, whose first use loads undici and
// costs milliseconds of every cold start.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 50 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 50 }),
};

/**
 * Sends one request and reads the whole answer.
 *
 * @throws AwsTimeoutError when no complete answer came within `timeoutMs`.
 * @throws AwsNetworkError when the connection failed or broke.
 */
export function sendHttp(call: HttpCall, context: AwsErrorContext): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const https = call.url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    let timedOut = false;
    const req = send(call.url, {
      method: call.method,
      headers: { ...call.headers, 'content-length': String(Buffer.byteLength(call.body)) },
      agent: https ? agents['https:'] : agents['http:'],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, call.timeoutMs);
    const fail = (error: unknown): void => {
      clearTimeout(timer);
      reject(timedOut ? new AwsTimeoutError(context, call.timeoutMs) : new AwsNetworkError(context, error));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('the answer was cut off')));
      res.on('end', () => {
        clearTimeout(timer);
        if (timedOut) return;
        resolve({
          statusCode: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.end(call.body);
  });
}
