import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { QueuedRequestSchema } from '../../src/tracking/queued-request.ts';
import {
  type HttpAnswer,
  type HttpCall,
  type IngestRig,
  ingestRig,
  secrets,
} from './support/ingest-harness.ts';
import { callAndCollect } from './support/queue-invariant.ts';

const RUNS = { numRuns: 150 };
const AUTH = { authorization: `Basic ${Buffer.from(`${secrets.SEGMENT_WRITE_KEY}:`).toString('base64')}` };
const CALLS = ['track', 'page', 'screen', 'identify', 'alias', 'group', 'batch'] as const;

let rig: IngestRig;
beforeAll(async () => {
  rig = await ingestRig();
});

/**
 * Segment's answer invariant, through the Lambda handler: never a 5xx; a 200 is Segment's
 * `success` and queued exactly the requests it counts, each valid; anything else is an RFC 9457
 * problem and queued nothing.
 */
async function check(call: HttpCall): Promise<{ answer: HttpAnswer; queued: readonly { id: string }[] }> {
  const { answer, queued } = await callAndCollect(rig, call);
  expect(answer.status, answer.body).toBeLessThan(500);
  if (answer.status === 200) {
    const body = JSON.parse(answer.body) as { success: boolean; requests: number };
    expect(body.success).toBe(true);
    expect(queued).toHaveLength(body.requests);
    for (const request of queued) expect(QueuedRequestSchema.safeParse(request).success).toBe(true);
  } else {
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(queued).toEqual([]);
  }
  return { answer, queued: queued as { id: string }[] };
}

const message = fc.record(
  {
    type: fc.constantFrom('track', 'page', 'screen', 'identify', 'alias', 'group', 'purchase'),
    messageId: fc.oneof(fc.uuid(), fc.string()),
    userId: fc.oneof(fc.string(), fc.integer()),
    anonymousId: fc.string(),
    previousId: fc.string(),
    event: fc.oneof(
      fc.constantFrom('Order Completed', 'Product Viewed', 'Cart Viewed', 'Signed Up'),
      fc.string(),
    ),
    name: fc.string(),
    properties: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
    context: fc.dictionary(
      fc.constantFrom('ip', 'userAgent', 'locale', 'page'),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);

describe("Segment's API under generated input", () => {
  it('answers any byte string, plain or gzip, with success or a problem 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4000 }),
        fc.boolean(),
        fc.constantFrom(...CALLS),
        async (bytes, gz, call) => {
          const body = gz ? gzipSync(bytes) : Buffer.from(bytes);
          const headers = gz ? { ...AUTH, 'content-encoding': 'gzip' } : AUTH;
          await check({ path: `/v1/${call}`, headers, body });
        },
      ),
      RUNS,
    );
  });

  it('answers generated messages and batches the same way, and a resent body queues the same ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...CALLS),
        async (messages, call) => {
          const payload = call === 'batch' ? { batch: messages } : messages[0];
          const body = Buffer.from(JSON.stringify(payload));
          const first = await check({ path: `/v1/${call}`, headers: AUTH, body });
          const again = await check({ path: `/v1/${call}`, headers: AUTH, body });
          expect(again.answer.status).toBe(first.answer.status);
          expect(again.queued.map((r) => r.id)).toEqual(first.queued.map((r) => r.id));
        },
      ),
      RUNS,
    );
  });
});
