import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostileEvent } from './hostile/build.ts';
import {
  type HttpAnswer,
  type HttpCall,
  type IngestRig,
  ingestRig,
  secrets,
  stripeSignatureOfBytes,
} from './support/ingest-harness.ts';
import { callAndCollect, expectAnswerInvariant } from './support/queue-invariant.ts';

const RUNS = { numRuns: 150 };
const JSON_TYPE = { 'content-type': 'application/json' };
const APP_AUTH = { ...JSON_TYPE, 'x-api-key': secrets.TAGLANE_API_KEY };
const HOSTILE_AUTH = { ...JSON_TYPE, 'x-api-key': secrets.HOSTILE_API_KEY };

let rig: IngestRig;
beforeAll(async () => {
  // A small body limit, so generated bodies cross it too.
  rig = await ingestRig({ limits: { maxBodyBytes: 4096, maxEvents: 20 } });
});

/**
 * The invariant of every property: never a 5xx; a rejection is a problem-details 4xx and
 * queues nothing; an acceptance queues exactly what it counts, each request valid.
 */
async function checkInvariant(call: HttpCall, allowed: readonly number[]): Promise<HttpAnswer> {
  const { answer, queued } = await callAndCollect(rig, call);
  expect(answer.status, answer.body).toBeLessThan(500);
  expect(allowed, `status ${answer.status}: ${answer.body}`).toContain(answer.status);
  expectAnswerInvariant(answer, queued);
  return answer;
}

/** Header values as a sender could put them on the wire, control characters included. */
const headerValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('application/json', 'text/plain', '', ' ', '\r\n', '\u0000', 'Bearer x'),
);

describe('ingest() under generated input', () => {
  it('answers any byte string with 202 or a problem 4xx, queuing nothing on a rejection', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), async (bytes) => {
        await checkInvariant(
          { path: '/events', query: { source: 'app' }, headers: APP_AUTH, body: Buffer.from(bytes) },
          [202, 400, 413, 422],
        );
      }),
      RUNS,
    );
  });

  it('answers any JSON value the same way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const body = Buffer.from(JSON.stringify(value) ?? 'null');
        await checkInvariant(
          { path: '/events', query: { source: 'app' }, headers: APP_AUTH, body },
          [202, 400, 413, 422],
        );
      }),
      RUNS,
    );
  });

  it('answers any headers without a 5xx, and only 202 when the key is right', async () => {
    const names = fc.constantFrom('content-type', 'x-api-key', 'authorization', 'x-forwarded-for', 'x-other');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(names, headerValue), fc.boolean(), async (headers, withKey) => {
        const sent = withKey ? { ...headers, 'x-api-key': secrets.HOSTILE_API_KEY } : headers;
        const body = Buffer.from(JSON.stringify(hostileEvent()));
        const answer = await checkInvariant(
          { path: '/events', query: { source: 'hostile' }, headers: sent, body },
          [202, 401, 415],
        );
        if (answer.status === 202) expect(sent['x-api-key']).toBe(secrets.HOSTILE_API_KEY);
      }),
      RUNS,
    );
  });

  it('answers any query string and path without a 5xx', async () => {
    const path = fc.oneof(
      fc.constantFrom('/events', '/webhooks/stripe', '/health', '/webhooks/', '/'),
      fc.string().map((s) => `/webhooks/${s}`),
      fc.webPath(),
    );
    const method = fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'FOO');
    await fc.assert(
      fc.asyncProperty(path, method, fc.dictionary(fc.string(), fc.string()), async (p, m, query) => {
        const body = Buffer.from(JSON.stringify(hostileEvent()));
        await checkInvariant(
          { method: m, path: p, query, headers: HOSTILE_AUTH, body },
          [200, 202, 401, 404, 405],
        );
      }),
      RUNS,
    );
  });

  it('turns any rule-produced value into a valid request or a 422 naming the rule', async () => {
    const value = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.string({ unit: 'grapheme' }),
      fc.double(),
      fc.integer(),
    );
    const event = fc.record({
      kind: fc.oneof(fc.constant('event'), fc.constant('page'), value),
      who: value,
      at: fc.oneof(fc.integer({ min: 0, max: 4_000_000_000_000 }), value),
      category: value,
      action: value,
      name: value,
      value,
      url: value,
      title: value,
    });
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        const body = Buffer.from(JSON.stringify(e));
        const answer = await checkInvariant(
          { path: '/events', query: { source: 'hostile' }, headers: HOSTILE_AUTH, body },
          [202, 413, 422],
        );
        if (answer.status === 422) {
          const problem = JSON.parse(answer.body) as { issues: { rule: string; field: string }[] };
          expect(problem.issues.length).toBeGreaterThan(0);
          for (const issue of problem.issues) expect(typeof issue.field).toBe('string');
        }
        if (answer.status === 202) {
          for (const request of rig.queue.messages.slice(-1)) {
            if (request.params.e_c !== undefined) expect(request.params.e_c.trim()).not.toBe('');
            expect(request.params.cdt).toMatch(/^\d+$/);
          }
        }
      }),
      RUNS,
    );
  });

  it('answers any correctly signed Stripe body without a 5xx', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (bytes) => {
        const headers = { ...JSON_TYPE, 'stripe-signature': stripeSignatureOfBytes(bytes) };
        await checkInvariant({ path: '/webhooks/stripe', headers, body: bytes }, [202, 400, 413, 422]);
      }),
      RUNS,
    );
  });
});
