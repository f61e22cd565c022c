import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the proxy saw it, before forwarding. */
export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A canned answer that replaces forwarding. */
export interface InjectedAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * What to do with one request: answer it in place of the upstream (a fault), forward a
 * changed body and rewrite the upstream's answer, or `undefined` to pass it through.
 */
export type FaultRule = (request: ProxiedRequest) =>
  | { readonly answer: InjectedAnswer }
  | { readonly forward: Buffer; readonly rewrite: (status: number, body: Buffer) => Buffer }
  /** Forward, let the upstream act on it, then cut the connection: the answer is lost. */
  | { readonly loseAnswer: true }
  | undefined;

/** A fault injector in front of a real AWS-compatible server (dynalite, local-aws-sqs). */
export interface FaultProxy {
  readonly endpoint: string;
  /** Replaces the rule; `undefined` passes everything through. */
  setRule(rule: FaultRule | undefined): void;
  close(): Promise<void>;
}

/**
 * Starts an HTTP proxy on 127.0.0.1 that forwards to `upstream` unless the current rule
 * injects a fault. It stands in for AWS misbehaving (throttling, partial batch failures); the
 * server behind it and our adapters in front of it are the real ones.
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let rule: FaultRule | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: ProxiedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      const action = rule?.(seen);
      if (action && 'answer' in action) {
        res.writeHead(action.answer.status, action.answer.headers);
        res.end(action.answer.body);
        return;
      }
      const body = action && 'forward' in action ? action.forward : seen.body;
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const out = httpRequest(
        { host: target.hostname, port: target.port, method: seen.method, path: seen.url, headers },
        (up) => {
          const parts: Buffer[] = [];
          up.on('data', (chunk: Buffer) => parts.push(chunk));
          up.on('end', () => {
            if (action && 'loseAnswer' in action) {
              res.socket?.destroy();
              return;
            }
            const status = up.statusCode ?? 502;
            const answer = action ? action.rewrite(status, Buffer.concat(parts)) : Buffer.concat(parts);
            const { 'content-length': _length, 'transfer-encoding': _te, ...rest } = up.headers;
            res.writeHead(status, { ...rest, 'content-length': String(answer.length) });
            res.end(answer);
          });
        },
      );
      out.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setRule: (next) => {
      rule = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The AWS JSON-protocol operation of a request (`X-Amz-Target: DynamoDB_20120810.PutItem`). */
export function operationOf(request: ProxiedRequest): string {
  const target = request.headers['x-amz-target'];
  const value = Array.isArray(target) ? target[0] : target;
  return value?.split('.').pop() ?? '';
}

/** DynamoDB's throttling answer, exactly as the service sends it. */
export const DYNAMODB_THROTTLED: InjectedAnswer = {
  status: 400,
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-errortype': 'ProvisionedThroughputExceededException',
  },
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  }),
};

/**
 * A SendMessageBatch partial failure as SQS reports it: the entries picked by `fail` are not
 * forwarded (so they are really not queued) and come back as `Failed` beside the upstream's
 * `Successful` ones.
 */
export function failSomeEntries(fail: (entryIndex: number) => boolean): FaultRule {
  return (request) => {
    if (operationOf(request) !== 'SendMessageBatch') return undefined;
    const input = JSON.parse(request.body.toString('utf8')) as { Entries: { Id: string }[] };
    const dropped = input.Entries.filter((_, i) => fail(i));
    if (dropped.length === 0) return undefined;
    const kept = input.Entries.filter((_, i) => !fail(i));
    const failed = dropped.map((e) => ({
      Id: e.Id,
      SenderFault: false,
      Code: 'InternalError',
      Message: 'injected partial failure',
    }));
    if (kept.length === 0) {
      const body = JSON.stringify({ Successful: [], Failed: failed });
      return { answer: { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body } };
    }
    return {
      forward: Buffer.from(JSON.stringify({ ...input, Entries: kept })),
      rewrite: (status, body) => {
        if (status !== 200) return body;
        const out = JSON.parse(body.toString('utf8')) as { Successful?: unknown[]; Failed?: unknown[] };
        return Buffer.from(JSON.stringify({ ...out, Failed: [...(out.Failed ?? []), ...failed] }));
      },
    };
  };
}
