import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../src/local/aws-local.ts';
import { type PollerOptions, QueuePoller } from '../../../src/local/poller.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function localAws(visibilityTimeoutSeconds = 1, maxReceiveCount = 2): Promise<LocalAws> {
  const dir = await mkdtemp(join(tmpdir(), 'taglane-poller-'));
  const aws = await startLocalAws({ dataDir: dir, visibilityTimeoutSeconds, maxReceiveCount });
  cleanups.push(async () => {
    await aws.close();
    await rm(dir, { recursive: true, force: true });
  });
  return aws;
}

async function send(aws: LocalAws, bodies: readonly string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((body, n) => ({ Id: String(n), MessageBody: body }));
    await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: aws.queueUrl, Entries: entries }));
  }
}

function poller(
  aws: LocalAws,
  handler: PollerOptions['handler'],
  extra: Partial<PollerOptions> = {},
): QueuePoller {
  const p = new QueuePoller({
    sqs: aws.sqs,
    queueUrl: aws.queueUrl,
    queueArn: aws.queueArn,
    region: 'us-east-1',
    handler,
    batchSize: 10,
    batchWindowMs: 200,
    functionTimeoutMs: 5000,
    ...extra,
  });
  cleanups.push(() => p.stop());
  p.start();
  return p;
}

async function dlqBodies(aws: LocalAws): Promise<string[]> {
  const out = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: aws.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (out.Messages ?? []).map((m) => m.Body ?? '');
}

describe('QueuePoller', () => {
  it('hands every message to the handler as Lambda SQS records and drains the queue', async () => {
    const aws = await localAws();
    const seen: SQSRecord[] = [];
    const batches: number[] = [];
    const p = poller(
      aws,
      async (event: SQSEvent) => {
        batches.push(event.Records.length);
        seen.push(...event.Records);
        return { batchItemFailures: [] };
      },
      { batchSize: 5 },
    );
    const bodies = Array.from({ length: 12 }, (_, i) => `message ${i}`);
    await send(aws, bodies);
    expect(await p.drain(15_000)).toBe(0);
    expect(seen.map((r) => r.body).sort()).toEqual([...bodies].sort());
    expect(Math.max(...batches)).toBeLessThanOrEqual(5);
    const record = seen[0];
    expect(record?.eventSource).toBe('aws:sqs');
    expect(record?.eventSourceARN).toBe(aws.queueArn);
    expect(record?.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(record?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gathers full batches of 100 from parallel receives, each message once', async () => {
    const aws = await localAws(30, 5);
    const sizes: number[] = [];
    const seen: string[] = [];
    const bodies = Array.from({ length: 250 }, (_, i) => `message ${i}`);
    await send(aws, bodies);
    // A long window: only the drain ends the gathering early, so each batch takes what is there.
    const p = poller(
      aws,
      async (event: SQSEvent) => {
        sizes.push(event.Records.length);
        seen.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
      { batchSize: 100, batchWindowMs: 60_000 },
    );
    expect(await p.drain(30_000)).toBe(0);
    expect(sizes).toEqual([100, 100, 50]);
    expect([...seen].sort()).toEqual([...bodies].sort());
  });

  it('ends the window once no message arrived for quietMs, without a drain', async () => {
    const aws = await localAws(30, 5);
    const bodies = Array.from({ length: 25 }, (_, i) => `message ${i}`);
    await send(aws, bodies);
    let handed: (sizes: number[]) => void = () => undefined;
    const firstBatch = new Promise<number[]>((resolve) => {
      handed = resolve;
    });
    // A minute's window: without the quiet rule nothing reaches the handler within the test.
    poller(
      aws,
      async (event: SQSEvent) => {
        handed([event.Records.length]);
        return { batchItemFailures: [] };
      },
      { batchSize: 100, batchWindowMs: 60_000, quietMs: 100 },
    );
    expect(await firstBatch).toEqual([25]);
  });

  it('retries only the records reported as batch item failures', async () => {
    const aws = await localAws();
    const attempts = new Map<string, string[]>();
    const p = poller(aws, async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const failures = [];
      for (const record of event.Records) {
        const counts = attempts.get(record.body) ?? [];
        counts.push(record.attributes.ApproximateReceiveCount);
        attempts.set(record.body, counts);
        if (record.body === 'flaky' && counts.length === 1)
          failures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures: failures };
    });
    await send(aws, ['steady', 'flaky']);
    expect(await p.drain(15_000)).toBe(0);
    expect(attempts.get('steady')).toEqual(['1']);
    expect(attempts.get('flaky')).toEqual(['1', '2']);
  });

  it('hands the handler the receive count SQS would, also after the handler delayed the message', async () => {
    // local-aws-sqs counts a ChangeMessageVisibility as one more receive; SQS does not.
    const aws = await localAws(1, 50);
    const seen: string[] = [];
    const p = poller(aws, async (event: SQSEvent) => {
      const record = event.Records[0] as SQSRecord;
      seen.push(record.attributes.ApproximateReceiveCount);
      if (seen.length === 3) return { batchItemFailures: [] };
      await aws.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: aws.queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
    });
    await send(aws, ['delayed']);
    expect(await p.drain(15_000)).toBe(0);
    expect(seen).toEqual(['1', '2', '3']);
  });

  it('moves a message that keeps failing to the dead-letter queue after maxReceiveCount receives', async () => {
    const aws = await localAws(1, 2);
    let calls = 0;
    const p = poller(aws, async (event: SQSEvent) => {
      calls += 1;
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await send(aws, ['poison']);
    expect(await p.drain(15_000)).toBe(0);
    expect(calls).toBe(2);
    expect(await dlqBodies(aws)).toEqual(['poison']);
  });

  it('moves a message the handler delays and fails to the dead-letter queue after exactly maxReceiveCount receives', async () => {
    // The embedded queue's own redrive (here 20, a backstop) would count each
    // ChangeMessageVisibility as a receive too, and move it after 10 calls.
    const aws = await localAws(1, 20);
    let calls = 0;
    const p = poller(
      aws,
      async (event: SQSEvent) => {
        calls += 1;
        const record = event.Records[0] as SQSRecord;
        await aws.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: aws.queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: 1,
          }),
        );
        return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
      },
      { deadLetters: { queueUrl: aws.dlqUrl, maxReceiveCount: 3 } },
    );
    await send(aws, ['poison']);
    expect(await p.drain(15_000)).toBe(0);
    expect(calls).toBe(3);
    expect(await dlqBodies(aws)).toEqual(['poison']);
  });

  it('fails the whole batch when the handler throws or names a record not in the batch', async () => {
    const aws = await localAws(1, 5);
    let calls = 0;
    const p = poller(
      aws,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('cold start failed');
        if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
        return { batchItemFailures: [] };
      },
      { onBatch: () => undefined },
    );
    await send(aws, ['a']);
    expect(await p.drain(15_000)).toBe(0);
    expect(calls).toBe(3);
  });

  it('reports how many messages are left when the drain times out', async () => {
    const aws = await localAws(30, 5);
    const p = poller(aws, async (event: SQSEvent) => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    await send(aws, ['stuck']);
    expect(await p.drain(1500)).toBe(1);
  });
});
