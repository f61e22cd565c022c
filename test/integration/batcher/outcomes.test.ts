import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { DynamoDbDeliveryLog } from '../../../src/adapters/dynamodb-delivery-log.ts';
import { SqsRetryScheduler } from '../../../src/adapters/sqs-retry-scheduler.ts';
import { DynamoDbClient } from '../../../src/aws-lite/dynamodb.ts';
import { deliver } from '../../../src/batcher/deliver.ts';
import { harnessPerTest, messages, nowSeconds, queued } from './harness.ts';

const harness = harnessPerTest();

describe('deliver: outcomes', () => {
  it('records nothing twice when SQS redelivers a batch', async () => {
    const t = await harness();
    const batch = messages(Array.from({ length: 12 }, () => queued()));
    const first = await deliver(batch, t.deps());
    const again = await deliver(batch, t.deps());

    expect(first.counts.delivered).toBe(12);
    expect(again.counts).toMatchObject({ delivered: 0, skipped: 12, retried: 0 });
    expect(again.batchItemFailures).toEqual([]);
    expect(t.matomo.recorded()).toHaveLength(12);
    expect(t.matomo.received).toHaveLength(1);
  });

  it('sends a request that arrives twice in one batch once', async () => {
    const t = await harness();
    const request = queued();
    const body = JSON.stringify(request);
    const report = await deliver(
      [
        { messageId: 'a', body },
        { messageId: 'b', body },
      ],
      t.deps(),
    );
    expect(report.batchItemFailures).toEqual([]);
    expect(t.matomo.recorded()).toHaveLength(1);
  });

  it('retries a request that failed alone once and dead-letters it on its fifth lone failure', async () => {
    const t = await harness({ crashPlugin: false });
    const deps = t.deps();
    const base = nowSeconds() - 600;
    const poison = queued({ time: base + 5, params: { ca: '1', cra: 'TypeError: x is undefined' } });
    const delivered: string[] = [];
    for (let receive = 1; receive <= 5; receive += 1) {
      // Each receive brings other traffic along, which Matomo accepts.
      const requests = Array.from({ length: 5 }, (_, i) => queued({ time: base + i }));
      delivered.push(...requests.map((r) => String(r.params.action_name)));
      const batch = messages([...requests, poison]);
      const report = await deliver(batch, deps);
      const failed = report.batchItemFailures.map((f) => f.itemIdentifier);
      if (receive < 5) {
        expect(failed).toEqual([`m-${poison.id}`]);
        expect(report.counts.deadLettered).toEqual({});
      } else {
        expect(failed).toEqual([]);
        expect(report.counts.deadLettered).toEqual({ rejected: 1 });
      }
    }
    expect(t.matomo.recorded().map((p) => p.action_name)).toEqual(delivered);
    const letters = await t.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason: 'rejected', messageId: `m-${poison.id}` });
    expect(letters[0]?.detail).toContain('on 5 receives');
    expect(JSON.parse(letters[0]?.body ?? '{}')).toMatchObject({ id: poison.id });
  });

  it('does not count a lone 500 as poison when Matomo accepted nothing in the batch', async () => {
    const t = await harness({ crashPlugin: false });
    const deps = t.deps({ config: { ...t.deps().config, poisonAfter: 1 } });
    const poison = queued({ params: { ca: '1', cra: 'TypeError: x is undefined' } });
    const report = await deliver(messages([poison]), deps);

    expect(report.batchItemFailures).toEqual([{ itemIdentifier: `m-${poison.id}` }]);
    expect(await t.deadLetters()).toEqual([]);
  });

  it('delays each retry by its receive count and dead-letters as expired what would outlive the queue', async () => {
    const t = await harness();
    await t.matomo.outage({ kind: 'status', status: 503 });
    const { QueueUrl: queueUrl = '' } = await t.sqs.send(new CreateQueueCommand({ QueueName: 'requests' }));
    const [young, old] = [queued(), queued()];
    for (const r of [young, old]) {
      await t.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(r) }));
    }
    const received = await t.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 2 }),
    );
    const byBody = new Map((received.Messages ?? []).map((m) => [m.Body, m]));
    const asReceived = (r: typeof young, receiveCount: number, ageMs: number) => ({
      messageId: byBody.get(JSON.stringify(r))?.MessageId ?? '',
      receiptHandle: byBody.get(JSON.stringify(r))?.ReceiptHandle ?? '',
      body: JSON.stringify(r),
      receiveCount,
      sentAtMs: Date.now() - ageMs,
    });
    const batch = [asReceived(young, 4, 3_600_000), asReceived(old, 38, 1_200_000_000)];
    const retry = { baseSeconds: 30, maxSeconds: 43_200, retentionSeconds: 1_209_600 };
    const retries = new SqsRetryScheduler({ client: t.sqs, queueUrl });
    const report = await deliver(batch, t.deps({ retries, config: { ...t.deps().config, retry } }));

    expect(report.batchItemFailures).toEqual([{ itemIdentifier: batch[0]?.messageId }]);
    expect(report.counts.deadLettered).toEqual({ expired: 1 });
    // The age the OldestRetryTooOld alarm watches: the young one's hour (the old one left).
    expect(Math.round((report.oldestRetriedSeconds ?? 0) / 60)).toBe(60);
    const letters = await t.deadLetters();
    expect(letters).toMatchObject([{ messageId: batch[1]?.messageId, reason: 'expired' }]);
    expect(letters[0]?.detail).toMatch(/failed on 38 receives/);
    expect(JSON.parse(letters[0]?.body ?? '{}')).toMatchObject({ id: old.id });
    // Past the 2 s they were received for, the young one stays hidden (its retry waits 240 s);
    // the expired one, which the event source would delete, comes back.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const again = await t.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect((again.Messages ?? []).map((m) => m.MessageId)).toEqual([batch[1]?.messageId]);
  });

  it('retries instead of dead-lettering when Matomo answers 500 to everything', async () => {
    const t = await harness();
    await t.matomo.outage({ kind: 'status', status: 500 });
    const batch = messages([queued(), queued(), queued()]);
    const report = await deliver(batch, t.deps());

    expect(report.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      batch.map((m) => m.messageId).sort(),
    );
    expect(await t.deadLetters()).toEqual([]);
  });

  it('dead-letters the requests Matomo names in invalid_indices for a super-user token', async () => {
    const t = await harness({ sites: [1], superUserTokens: ['root'] }, { token: 'root' });
    const good = [queued(), queued()];
    const unknownSite = queued({ params: { idsite: '7' } });
    const report = await deliver(messages([...good, unknownSite]), t.deps());

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts).toMatchObject({ delivered: 2, invalid: 1, deadLettered: { invalid: 1 } });
    const letters = await t.deadLetters();
    expect(letters).toEqual([
      expect.objectContaining({
        reason: 'invalid',
        messageId: `m-${unknownSite.id}`,
        detail: expect.stringMatching(/invalid/),
      }),
    ]);
  });

  it('counts invalid requests Matomo does not name (write token) without retrying them', async () => {
    const t = await harness({ sites: [1], writeTokens: ['writer'] }, { token: 'writer' });
    const report = await deliver(messages([queued(), queued({ params: { idsite: '7' } })]), t.deps());

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts).toMatchObject({ delivered: 2, invalidUnindexed: 1, deadLettered: {} });
    expect(t.matomo.recorded()).toHaveLength(1);
  });

  it('dead-letters a cdt 24 hours old before sending when no token is configured', async () => {
    const t = await harness();
    const old = queued({ time: nowSeconds() - 86_400 - 60 });
    const fresh = queued();
    const report = await deliver(messages([old, fresh]), t.deps({ token: undefined }));

    expect(report.counts.deadLettered).toEqual({ 'old-cdt-without-token': 1 });
    const sent = t.matomo.received.flatMap((r) => r.emulation?.outcomes ?? []);
    expect(sent).toHaveLength(1);
    const letters = await t.deadLetters();
    expect(letters[0]).toMatchObject({
      reason: 'old-cdt-without-token',
      detail: expect.stringMatching(/MATOMO_TOKEN/),
    });
  });

  it('sends an old cdt when a token is configured', async () => {
    const t = await harness({ sites: [1], writeTokens: ['writer'] }, { token: 'writer' });
    const report = await deliver(messages([queued({ time: nowSeconds() - 3 * 86_400 })]), t.deps());
    expect(report.counts.delivered).toBe(1);
    expect(t.matomo.recorded()).toHaveLength(1);
  });

  it('dead-letters malformed messages with the reason and never retries them', async () => {
    const t = await harness();
    const noCdt = { ...queued(), id: 'not-hex' };
    const report = await deliver(
      [
        { messageId: 'bad-json', body: '{"v":1' },
        { messageId: 'bad-shape', body: JSON.stringify(noCdt) },
      ],
      t.deps(),
    );
    expect(report.batchItemFailures).toEqual([]);
    const letters = await t.deadLetters();
    expect(letters.map((l) => [l.messageId, l.reason]).sort()).toEqual([
      ['bad-json', 'malformed'],
      ['bad-shape', 'malformed'],
    ]);
    expect(letters.find((l) => l.messageId === 'bad-shape')?.detail).toMatch(
      /^id: expected 32 lowercase hex/,
    );
  });

  it('splits a bulk Matomo refuses as too large (413) and delivers everything once, in order', async () => {
    const t = await harness({ maxBodyBytes: 1500 });
    const base = nowSeconds() - 600;
    const requests = Array.from({ length: 20 }, (_, i) =>
      queued({ time: base + i, params: { url: `https://shop.example/p/${'x'.repeat(40)}${i}` } }),
    );
    const report = await deliver(messages(requests), t.deps());

    expect(report.batchItemFailures).toEqual([]);
    expect(t.matomo.received.some((r) => r.status === 413)).toBe(true);
    expect(t.matomo.recorded().map((p) => p.action_name)).toEqual(requests.map((r) => r.params.action_name));
    expect(report.bulks.some((b) => b.outcome === 'too-large')).toBe(true);
  });

  it('chunks by request count and byte limit without Matomo refusing anything', async () => {
    const t = await harness();
    const requests = Array.from({ length: 25 }, () => queued());
    const report = await deliver(
      messages(requests),
      t.deps({
        config: { maxRequests: 10, maxBytes: 1024 * 1024, deliveredTtlSeconds: 60, visitorHmacKey: 'k' },
      }),
    );
    expect(report.bulks.map((b) => b.size)).toEqual([10, 10, 5]);
    expect(t.matomo.received.map((r) => JSON.parse(r.body).requests.length)).toEqual([10, 10, 5]);
  });

  it('counts delivered requests whose record write failed and does not retry them', async () => {
    const t = await harness();
    const good = new DynamoDbDeliveryLog({ client: t.dynamo.api, tableName: t.dynamo.tableName });
    // A client for a port nothing listens on: every record write fails, reads still work.
    const unreachable = new DynamoDbClient(
      {
        endpoint: new URL('http://127.0.0.1:9'),
        endpointConfigured: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      },
      { maxAttempts: 1 },
    );
    const broken = new DynamoDbDeliveryLog({ client: unreachable, tableName: t.dynamo.tableName });
    const deliveryLog = {
      delivered: good.delivered.bind(good),
      record: broken.record.bind(broken),
      countLoneFailures: good.countLoneFailures.bind(good),
    };
    const report = await deliver(messages([queued(), queued()]), t.deps({ deliveryLog }));

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts).toMatchObject({ delivered: 2, unrecorded: 2 });
    expect(t.matomo.recorded()).toHaveLength(2);
  });

  it('dead-letters a request larger than the bulk byte limit and one for an unknown destination', async () => {
    const t = await harness();
    const config = { maxRequests: 100, maxBytes: 800, deliveredTtlSeconds: 60, visitorHmacKey: 'k' };
    const huge = queued({ params: { url: `https://shop.example/${'y'.repeat(1000)}` } });
    const elsewhere = queued({ destination: 'staging' });
    const fine = queued();
    const report = await deliver(messages([huge, elsewhere, fine]), t.deps({ config }));

    expect(report.batchItemFailures).toEqual([]);
    expect(report.counts.deadLettered).toEqual({ 'too-large': 1, 'unknown-destination': 1 });
    expect(t.matomo.recorded().map((p) => p.action_name)).toEqual([fine.params.action_name]);
    for (const bulk of t.matomo.received) expect(Buffer.byteLength(bulk.body)).toBeLessThanOrEqual(800);
  });
});
