import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBulkBody, type TrackingParams } from '../../src/matomo/emulator.ts';
import { operationOf } from './support/fault-proxy.ts';
import { countFigures, reportFigures } from './support/figures.ts';
import { secrets, stripeSignature } from './support/ingest-harness.ts';
import { type Pipeline, pageView, recordedCounts, startPipeline } from './support/pipeline.ts';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every request Matomo was sent (whatever it answered), across all bulks. */
function sent(p: Pipeline): TrackingParams[] {
  return p.matomo.received.flatMap((bulk) => parseBulkBody(bulk.body).requests);
}

describe('duplicate deliveries', () => {
  it('sends one set of requests for a Stripe webhook delivered three times', async () => {
    const p = await startPipeline();
    pipeline = p;
    const body = readFileSync('rules/examples/stripe/checkout-session-completed.json');
    const deliver = async (): Promise<number> => {
      // Stripe signs each retry anew, with the time of that attempt.
      const signature = stripeSignature(body, { timestamp: Math.floor(Date.now() / 1000) });
      const res = await fetch(`${p.url}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    };
    expect(await deliver()).toBe(202);
    expect(await p.drain(10_000)).toBe(0);
    const once = sent(p).length;
    expect(once).toBeGreaterThan(0);
    // The two retries arrive together, as when Stripe's retry overlaps a slow answer.
    expect(await Promise.all([deliver(), deliver()])).toEqual([202, 202]);
    expect(await p.drain(10_000)).toBe(0);
    reportFigures('stripe-webhook-x3', {
      injected: 'the same signed Stripe checkout.session.completed delivered 3 times (2 concurrently)',
      sent: 3,
      recorded: p.matomo.recorded().length,
      lost: 0,
      duplicated: sent(p).length - once,
      requestsPerDelivery: once,
    });
    expect(sent(p)).toHaveLength(once);
    expect(p.matomo.recorded()).toHaveLength(once);
    expect(p.matomo.recorded().filter((r) => r.ec_id !== undefined)).toHaveLength(1);
  });

  it('records a replayed GitHub or Shopify webhook once, whatever delivery id header it carries', async () => {
    const p = await startPipeline();
    pipeline = p;
    const github = readFileSync('rules/examples/github/star-created.json');
    const shopify = readFileSync('rules/examples/shopify/orders-create.json');
    const githubSignature = await githubSign(secrets.GITHUB_WEBHOOK_SECRET, github.toString());
    const shopifyHmac = createHmac('sha256', secrets.SHOPIFY_WEBHOOK_SECRET).update(shopify).digest('base64');
    const post = async (path: string, headers: Record<string, string>, body: Buffer): Promise<number> => {
      const res = await fetch(`${p.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    };
    // A captured delivery re-posted 3 times, each with a fresh value in the unsigned id header.
    const statuses: number[] = [];
    for (const n of [1, 2, 3]) {
      const delivery = { 'x-github-event': 'star', 'x-github-delivery': `replay-${n}` };
      statuses.push(
        await post('/webhooks/github', { ...delivery, 'x-hub-signature-256': githubSignature }, github),
      );
      const webhook = { 'x-shopify-webhook-id': `replay-${n}`, 'x-shopify-hmac-sha256': shopifyHmac };
      statuses.push(await post('/webhooks/shopify', webhook, shopify));
      expect(await p.drain(10_000)).toBe(0);
    }
    const requests = sent(p).length;
    reportFigures('github-shopify-replay-x3', {
      injected:
        'the same signed GitHub star and Shopify order re-posted 3 times with fresh delivery id headers',
      sent: 6,
      recorded: p.matomo.recorded().length,
      lost: 0,
      duplicated: requests - 2,
    });
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202]);
    // One request each: the star event and the order.
    expect(requests).toBe(2);
    expect(p.matomo.recorded()).toHaveLength(2);
  });

  it('sends one set of requests when SQS redelivers a batch whose delete failed', async () => {
    const p = await startPipeline();
    pipeline = p;
    let deletesFailed = 0;
    // The batch is processed but its delete fails, so SQS offers the same messages again.
    p.sqsProxy.setRule((request) => {
      if (operationOf(request) !== 'DeleteMessageBatch' || deletesFailed >= 3) return undefined;
      deletesFailed += 1;
      const input = JSON.parse(request.body.toString('utf8')) as { Entries: { Id: string }[] };
      const failed = input.Entries.map((e) => ({
        Id: e.Id,
        SenderFault: false,
        Code: 'InternalError',
        Message: 'injected',
      }));
      return {
        answer: {
          status: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: JSON.stringify({ Successful: [], Failed: failed }),
        },
      };
    });
    expect(await p.post(Array.from({ length: 10 }, (_, i) => pageView(i)))).toBe(202);
    await sleep(1500);
    expect(await p.drain(15_000)).toBe(0);
    expect(deletesFailed).toBeGreaterThan(0);
    // More messages were handed to the batcher than were queued (the 10 page views of one POST
    // are one pack): the redeliveries.
    expect(p.batches.reduce((sum, b) => sum + b.size, 0)).toBeGreaterThan(1);
    reportFigures('sqs-redelivery', {
      injected: 'DeleteMessageBatch fails 3 times, so SQS redelivers processed messages',
      ...countFigures(recordedCounts(p.matomo, 10)),
      messagesHandled: p.batches.reduce((sum, b) => sum + b.size, 0),
    });
    expect(sent(p)).toHaveLength(10);
    expect(recordedCounts(p.matomo, 10)).toEqual(Array.from({ length: 10 }, () => 1));
  });
});

describe('the remaining duplicate window', () => {
  it('re-sends a bulk whose answer was lost after Matomo recorded it (measured, not prevented)', async () => {
    const p = await startPipeline();
    pipeline = p;
    let lost = 0;
    // Matomo records the bulk, then the connection drops before the answer arrives: the same
    // as a batcher killed between Matomo's commit and the delivered-id write.
    p.matomoProxy.setRule(() => {
      if (lost >= 1) return undefined;
      lost += 1;
      return { loseAnswer: true };
    });
    expect(await p.post(Array.from({ length: 10 }, (_, i) => pageView(i)))).toBe(202);
    expect(await p.drain(15_000)).toBe(0);
    const counts = recordedCounts(p.matomo, 10);
    const lostBulk = parseBulkBody(p.matomo.received[0]?.body ?? '').requests.length;
    const duplicated = counts.filter((c) => c > 1).length;
    reportFigures('answer-lost', {
      injected: "Matomo's answer to the first bulk dropped after Matomo recorded it",
      ...countFigures(counts),
      lostBulk,
    });
    expect(lost).toBe(1);
    expect(counts.every((c) => c >= 1)).toBe(true);
    expect(duplicated).toBe(lostBulk);
  });
});
