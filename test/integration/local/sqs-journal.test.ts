import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../src/local/aws-local.ts';
import { attachSqsJournal, type SqsJournal } from '../../../src/local/sqs-journal.ts';

let dir: string;
let journalPath: string;
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taglane-sqs-journal-'));
  journalPath = join(dir, 'queue.journal');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** One run of the embedded queues with the journal attached; `stop` ends it like a kill would. */
async function run(name: string): Promise<{ aws: LocalAws; journal: SqsJournal; stop(): Promise<void> }> {
  const aws = await startLocalAws({
    dataDir: join(dir, name),
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 5,
  });
  const journal = await attachSqsJournal(
    aws.sqs,
    { requests: aws.queueUrl, 'dead-letters': aws.dlqUrl },
    journalPath,
  );
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await journal.close();
    await aws.close();
  };
  cleanups.push(stop);
  return { aws, journal, stop };
}

async function receiveAll(aws: LocalAws, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const out = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!out.Messages || out.Messages.length === 0) return all;
    all.push(...out.Messages);
  }
}

const entry = (n: number) => ({
  Id: String(n),
  MessageBody: JSON.stringify({ n }),
  MessageAttributes: { requestId: { DataType: 'String', StringValue: `req-${n}` } },
});

describe('the local queue journal', () => {
  it('queues again after a restart what was accepted and not deleted, attributes included', async () => {
    const first = await run('first');
    expect(first.journal.replayed).toBe(0);
    await first.aws.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: first.aws.queueUrl, Entries: [0, 1, 2, 3].map(entry) }),
    );
    await first.aws.sqs.send(
      new SendMessageCommand({ QueueUrl: first.aws.dlqUrl, MessageBody: 'dead letter' }),
    );
    const received = await receiveAll(first.aws, first.aws.queueUrl);
    const byBody = (body: string) => received.find((m) => m.Body === body);
    await first.aws.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: first.aws.queueUrl,
        Entries: [{ Id: 'x', ReceiptHandle: byBody('{"n":0}')?.ReceiptHandle }],
      }),
    );
    await first.aws.sqs.send(
      new DeleteMessageCommand({
        QueueUrl: first.aws.queueUrl,
        ReceiptHandle: byBody('{"n":2}')?.ReceiptHandle,
      }),
    );
    await first.stop();

    const second = await run('second');
    expect(second.journal.replayed).toBe(3);
    const requests = await receiveAll(second.aws, second.aws.queueUrl);
    expect(requests.map((m) => m.Body).sort()).toEqual(['{"n":1}', '{"n":3}']);
    expect(requests.map((m) => m.MessageAttributes?.requestId?.StringValue).sort()).toEqual([
      'req-1',
      'req-3',
    ]);
    expect((await receiveAll(second.aws, second.aws.dlqUrl)).map((m) => m.Body)).toEqual(['dead letter']);
  });

  it('compacts at start-up: the journal then holds one line per live message', async () => {
    const first = await run('first');
    await first.aws.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: first.aws.queueUrl, Entries: [0, 1, 2].map(entry) }),
    );
    const received = await receiveAll(first.aws, first.aws.queueUrl);
    await first.aws.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: first.aws.queueUrl,
        Entries: received.slice(0, 2).map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect((await readFile(journalPath, 'utf8')).trim().split('\n')).toHaveLength(5);
    await first.stop();

    const second = await run('second');
    expect(second.journal.replayed).toBe(1);
    const lines = (await readFile(journalPath, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      op: 'send',
      queue: 'requests',
      body: received[2]?.Body,
    });
  });

  it('fails a send it could not journal, so ingest never acknowledges an unjournaled message', async () => {
    const first = await run('first');
    await first.journal.close();
    const send = first.aws.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: first.aws.queueUrl, Entries: [entry(0)] }),
    );
    await expect(send).rejects.toThrow();
  });
});
