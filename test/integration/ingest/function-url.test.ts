import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler, ingestDepsFromEnv } from '../../../functions/ingest/handler.ts';
import { requestsOf } from '../../../src/tracking/queued-pack.ts';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { type LocalSqs, startLocalSqs } from '../../support/sqs.ts';
import { apiEvent, lambdaContext, structured } from './lambda.ts';

// `-c frontDoor=function-url`: Lambda function URLs send the payload 2.0 event of the HTTP API,
// but with routeKey `$default`, no pathParameters (there are no routes), an anonymous account
// and the URL's own host. The same handler must route and verify from the raw path alone.
const secrets = {
  TAGLANE_API_KEY: `key_${randomBytes(12).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
};
const URL_ID = 'abcdefghijklmnopqrstuvwxyz012345';
const HOST = `${URL_ID}.lambda-url.eu-west-1.on.aws`;

/**
 * A function URL request as Lambda documents it ("Request payload", function URLs): the HTTP
 * API's payload 2.0 with route `$default`, no path parameters, an anonymous account and the
 * URL's own host, plus the headers Lambda adds.
 */
function functionUrlEvent(init: {
  method?: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  base64?: boolean;
}): APIGatewayProxyEventV2 {
  const query = init.query === undefined ? undefined : Object.fromEntries(new URLSearchParams(init.query));
  const event = apiEvent({
    ...(init.method === undefined ? {} : { method: init.method }),
    path: init.path,
    routeKey: '$default',
    headers: {
      host: HOST,
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-amzn-trace-id': 'Root=1-5e7b2c1d-0123456789abcdef01234567',
      ...init.headers,
    },
    ...(query === undefined ? {} : { query }),
    ...(init.body === undefined ? {} : { body: init.body }),
    ...(init.base64 === undefined ? {} : { base64: init.base64 }),
  });
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      accountId: 'anonymous',
      apiId: URL_ID,
      domainName: HOST,
      domainPrefix: URL_ID,
    },
  };
}

let sqs: LocalSqs;
let handler: ReturnType<typeof createIngestHandler>;
const invoke = async (event: APIGatewayProxyEventV2) => structured(await handler(event, lambdaContext()));

beforeAll(async () => {
  sqs = await startLocalSqs();
  const deps = await ingestDepsFromEnv(
    { TAGLANE_RULES_DIR: 'rules', TAGLANE_QUEUE_URL: sqs.queueUrl, ...secrets },
    { sqs: sqs.client },
  );
  handler = createIngestHandler(deps);
});
afterAll(async () => {
  await sqs.stop();
});

/** Every request on the queue, out of whichever messages (single requests or packs) carry them. */
async function queuedRequests() {
  return (await sqs.drain()).flatMap((m) =>
    requestsOf(JSON.parse(m.Body ?? '')).map((r) => QueuedRequestSchema.parse(r)),
  );
}

describe('ingest behind a Lambda function URL', () => {
  it('verifies a Stripe webhook by its path alone and queues its requests', async () => {
    const body = Buffer.from(readFileSync('rules/examples/stripe/checkout-session-completed.json'));
    const header = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({
      payload: body.toString('utf8'),
      secret: secrets.STRIPE_WEBHOOK_SECRET,
    });
    const res = await invoke(
      functionUrlEvent({
        path: '/webhooks/stripe',
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
        body,
        base64: true,
      }),
    );
    expect(res.statusCode).toBe(202);
    const queued = await queuedRequests();
    expect(queued.length).toBe(res.json.requests);
    expect(queued.length).toBeGreaterThan(0);
    for (const request of queued) expect(request.source).toBe('stripe');
  });

  it('queues an event of the events API with its query string and API key', async () => {
    const res = await invoke(
      functionUrlEvent({
        path: '/events',
        query: 'source=app',
        headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
        body: readFileSync('rules/examples/app/signup.json'),
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(res.json).toMatchObject({ accepted: 1 });
    expect((await queuedRequests()).length).toBe(res.json.requests);
  });

  it('refuses a bad signature with 401 and queues nothing', async () => {
    const res = await invoke(
      functionUrlEvent({
        path: '/webhooks/stripe',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
        body: Buffer.from('{"id":"evt_1"}'),
      }),
    );
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['content-type']).toContain('application/problem+json');
    expect(await sqs.drain()).toEqual([]);
  });

  it('answers health, and 404 and 405 as problems where API Gateway had no route', async () => {
    expect((await invoke(functionUrlEvent({ method: 'GET', path: '/health' }))).statusCode).toBe(200);
    const missing = await invoke(functionUrlEvent({ method: 'GET', path: '/admin' }));
    expect(missing.statusCode).toBe(404);
    expect(missing.json).toMatchObject({ status: 404 });
    const wrongMethod = await invoke(functionUrlEvent({ method: 'GET', path: '/events' }));
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers?.allow).toBe('POST');
  });
});
