import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reorderDelay, type SqsBatchSender, SqsQueue } from '../../../src/adapters/sqs-queue.ts';
import { sdkBatchSender } from '../../../src/adapters/sqs-sdk-batch.ts';
import type { SqsBatchEntry } from '../../../src/aws-lite/sqs.ts';
import { MessageTooLargeError, QueueSendError } from '../../../src/ingest/index.ts';
import { requestsOf } from '../../../src/tracking/queued-pack.ts';
import { type QueuedRequest, QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { type LocalSqs, startLocalSqs } from '../../support/sqs.ts';

let sqs: LocalSqs;
beforeAll(async () => {
  sqs = await startLocalSqs();
});
afterAll(async () => {
  await sqs.stop();
});

function request(index: number, visitor = `visitor-${index % 3}`, pad = 0): QueuedRequest {
  return {
    v: 1,
    id: index.toString(16).padStart(32, '0'),
    source: 'app',
    eventId: `evt_${index}`,
    rule: 'signup',
    index,
    destination: 'default',
    params: {
      idsite: '1',
      rec: '1',
      apiv: '1',
      cdt: '1726128930',
      ...(pad > 0 ? { pad: 'x'.repeat(pad) } : {}),
    },
    visitor: { key: visitor },
    time: 1726128930,
    receivedAt: 1726128931000,
  };
}

describe('SqsQueue against local SQS', () => {
  it('holds each request at least until the reorder window after its event time has passed', async () => {
    const now = 1726128930_000;
    const queue = new SqsQueue({
      client: sqs.lite,
      queueUrl: sqs.queueUrl,
      reorderWindowSeconds: 2,
      now: () => now,
    });
    // Event time = now: waits 2 s. One 5 s old, past its window, is visible at once alone.
    await queue.send([{ ...request(201), time: 1726128925 }]);
    const first = (await sqs.drain()).map((m) => JSON.parse(m.Body ?? '').index);
    expect(first).toEqual([201]);
    // In one pack with a request of now, it waits as long as that one: nothing comes early.
    await queue.send([request(200), { ...request(202), time: 1726128925 }]);
    expect(await sqs.drain()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    const later = (await sqs.drain()).flatMap((m) => requestsOf(JSON.parse(m.Body ?? '')) as QueuedRequest[]);
    expect(later.map((r) => r.index)).toEqual([200, 202]);
  });

  it('computes the delay within what SQS accepts', () => {
    const at = (s: number) => () => s * 1000;
    expect(reorderDelay(100, 10, at(100))).toBe(10);
    expect(reorderDelay(100, 10, at(104.5))).toBe(6);
    expect(reorderDelay(100, 10, at(200))).toBe(0);
    expect(reorderDelay(100, 0, at(100))).toBe(0);
    expect(reorderDelay(100_000, 10, at(100))).toBe(900);
  });

  it('packs the requests that share a delay into one message, each read back intact', async () => {
    const queue = new SqsQueue({ client: sqs.lite, queueUrl: sqs.queueUrl });
    const requests = Array.from({ length: 25 }, (_, i) => request(i));
    const before = sqs.batchCalls();
    await queue.send(requests);
    expect(sqs.batchCalls() - before).toBe(1);
    const messages = await sqs.drain();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.MessageAttributes?.requests?.StringValue).toBe('25');
    const read = messages.flatMap((m) => requestsOf(JSON.parse(m.Body ?? '')));
    expect(read.map((r) => QueuedRequestSchema.parse(r))).toEqual(requests);
  });

  it('keeps a pack within 64 KiB (one SQS billing unit) and a call within 10 messages', async () => {
    const queue = new SqsQueue({ client: sqs.lite, queueUrl: sqs.queueUrl });
    // About 20 KB each: three to a pack, 40 requests in 14 messages, two calls.
    const requests = Array.from({ length: 40 }, (_, i) => request(500 + i, 'v', 20_000));
    const before = sqs.batchCalls();
    await queue.send(requests);
    expect(sqs.batchCalls() - before).toBe(1 + 1);
    const messages = await sqs.drain();
    expect(messages).toHaveLength(14);
    for (const m of messages) expect(Buffer.byteLength(m.Body ?? '')).toBeLessThanOrEqual(65_536);
    const read = messages.flatMap((m) => requestsOf(JSON.parse(m.Body ?? '')) as QueuedRequest[]);
    expect(read.map((r) => r.index).sort((a, b) => a - b)).toEqual(requests.map((r) => r.index));
  });

  it('sends a lone request as a single-request message, as before packs', async () => {
    const queue = new SqsQueue({ client: sqs.lite, queueUrl: sqs.queueUrl });
    await queue.send([request(600)]);
    const [message] = await sqs.drain();
    expect(QueuedRequestSchema.parse(JSON.parse(message?.Body ?? ''))).toEqual(request(600));
    expect(message?.MessageAttributes?.requestId?.StringValue).toBe(request(600).id);
  });

  it('splits calls by size so no call exceeds 1 MiB', async () => {
    const queue = new SqsQueue({ client: sqs.lite, queueUrl: sqs.queueUrl });
    const requests = Array.from({ length: 4 }, (_, i) => request(100 + i, 'v', 400_000));
    const before = sqs.batchCalls();
    await queue.send(requests);
    // 400 kB each: two per call at most.
    expect(sqs.batchCalls() - before).toBe(2);
    expect(await sqs.drain()).toHaveLength(4);
  });

  it('refuses a request over 1 MiB with MessageTooLargeError before sending anything', async () => {
    const queue = new SqsQueue({ client: sqs.lite, queueUrl: sqs.queueUrl });
    const before = sqs.batchCalls();
    const error = await queue.send([request(150), request(151, 'v', 1_100_000)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(sqs.batchCalls()).toBe(before);
    expect(await sqs.drain()).toEqual([]);
  });

  it('retries entries SQS reports as Failed and queues each exactly once', async () => {
    const queue = new SqsQueue({ client: sqs.lite, queueUrl: sqs.queueUrl, baseDelayMs: 1 });
    sqs.failNextBatches(2);
    await queue.send([request(200), request(201)]);
    const read = (await sqs.drain()).flatMap((m) => requestsOf(JSON.parse(m.Body ?? '')) as QueuedRequest[]);
    expect(read.map((r) => r.id).sort()).toEqual([request(200).id, request(201).id]);
  });

  it('rejects with QueueSendError naming the unsent request ids once retries are spent', async () => {
    const queue = new SqsQueue({
      client: sqs.lite,
      queueUrl: sqs.queueUrl,
      maxAttempts: 2,
      baseDelayMs: 1,
    });
    sqs.failNextBatches(2);
    const error = await queue.send([request(300)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueSendError);
    expect((error as QueueSendError).failedIds).toEqual([request(300).id]);
    expect(await sqs.drain()).toEqual([]);
  });

  it('on a FIFO queue groups by visitor hash and lets SQS drop a re-sent request', async () => {
    // Observe what goes out (local SQS does not report FIFO attributes on receive).
    const sent: SqsBatchEntry[] = [];
    const client: SqsBatchSender = {
      sendMessageBatch: (queueUrl, entries) => {
        sent.push(...entries);
        return sqs.lite.sendMessageBatch(queueUrl, entries);
      },
    };
    const queue = new SqsQueue({ client, queueUrl: sqs.fifoQueueUrl, fifo: true });
    await queue.send([request(400, 'alice'), request(401, 'bob'), request(402, 'alice')]);
    await queue.send([request(400, 'alice')]);
    expect(await sqs.drain(sqs.fifoQueueUrl)).toHaveLength(3);
    const group = (id: number) =>
      sent.find((e) => e.MessageDeduplicationId === request(id).id)?.MessageGroupId;
    expect(group(400)).toMatch(/^[0-9a-f]{64}$/);
    expect(group(402)).toBe(group(400));
    expect(group(401)).not.toBe(group(400));
    expect(sent.map((e) => e.MessageDeduplicationId)).toEqual([
      request(400).id,
      request(401).id,
      request(402).id,
      request(400).id,
    ]);
  });

  it('queues the same messages through the AWS SDK client as through aws-lite', async () => {
    const requests = [request(700), request(701, 'v', 70_000), { ...request(702), time: 1726128935 }];
    const read = async (client: SqsBatchSender) => {
      await new SqsQueue({ client, queueUrl: sqs.queueUrl }).send(requests);
      const messages = await sqs.drain();
      return messages
        .map((m) => ({ body: m.Body, attributes: m.MessageAttributes, md5: m.MD5OfBody }))
        .sort((a, b) => String(a.body).localeCompare(String(b.body)));
    };
    const lite = await read(sqs.lite);
    // The 70 KB request fills a message of its own: three messages, two of them single-request.
    expect(lite).toHaveLength(3);
    expect(await read(sdkBatchSender(sqs.client))).toEqual(lite);
  });
});
