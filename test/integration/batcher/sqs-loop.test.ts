import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterEach, expect, it } from 'vitest';
import { batcherDepsFromEnv, createBatcherHandler } from '../../../functions/batcher/handler.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { type Harness, nowSeconds, queued, startHarness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * What Lambda's event source mapping does with partial batch responses, on a real (local)
 * SQS queue: receive up to 10, invoke, delete the successes, make the failures visible again.
 */
async function pollOnce(
  t: Harness,
  queueUrl: string,
  handler: ReturnType<typeof createBatcherHandler>,
): Promise<number> {
  const out = await t.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
  const received = out.Messages ?? [];
  if (received.length === 0) return 0;
  const event = {
    Records: received.map((m) => ({
      messageId: m.MessageId ?? '',
      body: m.Body ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
    })),
  } as SQSEvent;
  const response = await handler(event, { functionName: 'batcher', awsRequestId: 'poll' } as Context);
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = received.filter((m) => !failed.has(m.MessageId ?? ''));
  const retry = received.filter((m) => failed.has(m.MessageId ?? ''));
  const entries = (list: typeof received) =>
    list.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' }));
  if (done.length > 0)
    await t.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(done) }));
  if (retry.length > 0) {
    await t.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: entries(retry).map((e) => ({ ...e, VisibilityTimeout: 0 })),
      }),
    );
  }
  return received.length;
}

it('through an outage on a real queue, every request reaches Matomo exactly once after recovery', async () => {
  const t = await startHarness();
  h = t;
  const source = await t.sqs.send(new CreateQueueCommand({ QueueName: 'taglane-source' }));
  const queueUrl = source.QueueUrl ?? '';
  const requests = Array.from({ length: 25 }, (_, i) =>
    queued({ time: nowSeconds() - 600 + i, key: `v${i % 4}` }),
  );
  for (let start = 0; start < requests.length; start += 10) {
    await t.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: requests
          .slice(start, start + 10)
          .map((r, i) => ({ Id: String(i), MessageBody: JSON.stringify(r) })),
      }),
    );
  }
  const env = { MATOMO_URL: t.matomo.url, TAGLANE_TABLE_NAME: t.dynamo.tableName, TAGLANE_DLQ_URL: t.dlqUrl };
  const secrets = new EnvSecretSource({ TAGLANE_VISITOR_HMAC_KEY: 'hmac' });
  const deps = await batcherDepsFromEnv(env, { dynamodb: t.dynamo.newClient(), sqs: t.sqs, secrets });
  const handler = createBatcherHandler({ ...deps, log: silent });

  await t.matomo.outage({ kind: 'status', status: 503 });
  for (let round = 0; round < 3; round += 1) await pollOnce(t, queueUrl, handler);
  expect(t.matomo.recorded()).toEqual([]);
  expect(t.matomo.received.length).toBeGreaterThan(0);

  await t.matomo.recover();
  for (let round = 0; round < 50; round += 1) {
    if ((await pollOnce(t, queueUrl, handler)) === 0) break;
  }
  const names = t.matomo.recorded().map((p) => p.action_name);
  expect([...names].sort()).toEqual(requests.map((r) => r.params.action_name).sort());
  expect(new Set(names).size).toBe(25);
  expect(await t.deadLetters()).toEqual([]);
});
