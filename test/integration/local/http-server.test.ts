import { Agent, request } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalHttpServer, startHttpServer } from '../../../src/local/http-server.ts';

const servers: LocalHttpServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** Starts the local API with a handler that records each event and answers `answer`. */
async function serve(answer: APIGatewayProxyResultV2 = { statusCode: 202, body: '{"accepted":1}' }) {
  const events: APIGatewayProxyEventV2[] = [];
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handler: async (event) => {
      events.push(event);
      return answer;
    },
    onError: () => undefined,
  });
  servers.push(server);
  return { server, events };
}

/** A raw request, so repeated headers reach the server as separate lines. */
function send(url: string, path: string, headers: [string, string][], body: Buffer) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const req = request(`${url}${path}`, { method: 'POST' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      });
      const byName = new Map<string, string[]>();
      for (const [name, value] of headers) byName.set(name, [...(byName.get(name) ?? []), value]);
      for (const [name, values] of byName)
        req.setHeader(name, values.length === 1 ? (values[0] ?? '') : values);
      req.on('error', reject);
      req.end(body);
    },
  );
}

/** POSTs `body` through `agent` and resolves with the status and body, or the socket error. */
function post(url: string, agent: Agent, body: Buffer) {
  return new Promise<{ status: number; text: string; reused: boolean } | { error: string }>((resolve) => {
    const req = request(`${url}/events?source=app`, { method: 'POST', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString(),
          reused: req.reusedSocket,
        }),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(body);
  });
}

describe('local HTTP API', () => {
  it.each([
    ['just over 10 MB', 10 * 1024 * 1024 + 1],
    ['12 MiB', 12 * 1024 * 1024],
  ])('answers 413 for a body of %s and keeps the connection usable for the next request', async (_, size) => {
    const { server, events } = await serve();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const tooLarge = await post(server.url, agent, Buffer.alloc(size, 'x'));
      expect(tooLarge).toMatchObject({ status: 413 });
      expect(JSON.parse((tooLarge as { text: string }).text)).toMatchObject({
        status: 413,
        title: 'Payload Too Large',
      });
      const next = await post(server.url, agent, Buffer.from('{}'));
      expect(next).toEqual({ status: 202, text: '{"accepted":1}', reused: true });
      expect(events).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });

  it('turns a webhook request into an API Gateway v2 event with the exact body bytes', async () => {
    const { server, events } = await serve();
    const body = Buffer.from('{"id":"evt_1","amount":"caf\u00e9 \u2713"}\n', 'utf8');
    const res = await send(
      server.url,
      '/webhooks/stripe?a=1&b=2&a=3',
      [
        ['Stripe-Signature', 't=1,v1=abc'],
        ['X-Dup', 'one'],
        ['X-Dup', 'two'],
        ['Cookie', '_pk_id=abc; other=1'],
        ['Content-Type', 'application/json'],
      ],
      body,
    );
    expect(res.status).toBe(202);
    expect(res.text).toBe('{"accepted":1}');
    const event = events[0];
    expect(event?.version).toBe('2.0');
    expect(event?.routeKey).toBe('POST /webhooks/{source}');
    expect(event?.rawPath).toBe('/webhooks/stripe');
    expect(event?.rawQueryString).toBe('a=1&b=2&a=3');
    expect(event?.queryStringParameters).toEqual({ a: '1,3', b: '2' });
    expect(event?.pathParameters).toEqual({ source: 'stripe' });
    expect(event?.headers['stripe-signature']).toBe('t=1,v1=abc');
    expect(event?.headers['x-dup']).toBe('one,two');
    expect(event?.cookies).toEqual(['_pk_id=abc', 'other=1']);
    expect(event?.headers.cookie).toBeUndefined();
    expect(event?.isBase64Encoded).toBe(true);
    expect(Buffer.from(event?.body ?? '', 'base64').equals(body)).toBe(true);
    expect(event?.requestContext.http).toMatchObject({
      method: 'POST',
      path: '/webhooks/stripe',
      sourceIp: '127.0.0.1',
    });
  });

  it('answers unknown routes with a problem that lists the routes, without calling the handler', async () => {
    const { server, events } = await serve();
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { detail: string };
    expect(problem.detail).toContain('POST /webhooks/{source}');
    expect(events).toHaveLength(0);
  });

  it('writes structured results with headers, cookies and base64 bodies as API Gateway does', async () => {
    const { server } = await serve({
      statusCode: 401,
      headers: { 'content-type': 'application/problem+json', 'x-n': 3 },
      cookies: ['a=1', 'b=2'],
      body: Buffer.from('{"title":"Unauthorized"}').toString('base64'),
      isBase64Encoded: true,
    });
    const res = await fetch(`${server.url}/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-n')).toBe('3');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('{"title":"Unauthorized"}');
  });

  it('treats a plain string result as a 200 JSON body', async () => {
    const { server, events } = await serve('{"status":"ok"}');
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"status":"ok"}');
    expect(events[0]?.isBase64Encoded).toBe(false);
    expect(events[0]?.body).toBeUndefined();
  });

  it('says the inspector is off when there is nothing to inspect', async () => {
    const { server } = await serve();
    const res = await fetch(`${server.url}/inspect`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('MATOMO_URL');
  });
});
