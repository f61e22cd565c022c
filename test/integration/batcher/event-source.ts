import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { createBatcherHandler } from '../../../functions/batcher/handler.ts';
import type { BatcherDeps } from '../../../src/batcher/ports.ts';
import type { Harness } from './harness.ts';

type BatcherHandler = ReturnType<typeof createBatcherHandler>;

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The real batcher Lambda handler over `deps`, logging nothing. */
export function quietBatcher(deps: BatcherDeps): BatcherHandler {
  return createBatcherHandler({ ...deps, log: silent });
}

/**
 * One poll of Lambda's event source mapping with partial batch responses, on a real (local)
 * SQS queue: receive up to 10, invoke, delete the successes, make the failures visible again.
 * Resolves with the number of messages received.
 */
export async function pollOnce(t: Harness, queueUrl: string, handler: BatcherHandler): Promise<number> {
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
