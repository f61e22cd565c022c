import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../src/local/aws-local.ts';
import { journalingListener, SqsJournal } from '../../../src/local/sqs-journal.ts';

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

/** One run of the embedded queues with the journal; `stop` ends it (the queues' memory is gone). */
async function run(name: string): Promise<{ aws: LocalAws; stop(): Promise<void> }> {
  const aws = await startLocalAws({
    dataDir: join(dir, name),
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 5,
    journal: journalPath,
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await aws.close();
  };
  cleanups.push(stop);
  return { aws, stop };
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
    expect(first.aws.replayed).toBe(0);
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
    expect(second.aws.replayed).toBe(3);
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
    expect(second.aws.replayed).toBe(1);
    const lines = (await readFile(journalPath, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      op: 'send',
      queue: 'requests',
      body: received[2]?.Body,
    });
  });

  it('refuses to start on a journal it cannot open', async () => {
    await mkdir(journalPath);
    await expect(run('first')).rejects.toThrow(/EISDIR|illegal operation on a directory/);
  });

  it('fails a send it could not journal, so ingest never acknowledges an unjournaled message', async () => {
    // The embedded server built by hand, to close its journal while it keeps serving.
    const { requestHandler, service } = createRequestHandler({ port: 0, hostname: '127.0.0.1' });
    let journal: SqsJournal | undefined;
    const server = createServer(journalingListener(requestHandler, () => journal));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    service.PORT = (server.address() as AddressInfo).port;
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${service.PORT}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    cleanups.push(async () => {
      sqs.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const queues = {
      requests: (await sqs.send(new CreateQueueCommand({ QueueName: 'r' }))).QueueUrl ?? '',
      'dead-letters': (await sqs.send(new CreateQueueCommand({ QueueName: 'd' }))).QueueUrl ?? '',
    };
    journal = await SqsJournal.open(journalPath, sqs, queues);
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.requests, Entries: [entry(0)] }));
    await journal.close();
    const send = sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.requests, Entries: [entry(1)] }));
    await expect(send).rejects.toThrow(/local queue journal could not record/);
    expect((await readFile(journalPath, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('records the calls of any client, such as taglane redrive, not only those of serve', async () => {
    const first = await run('first');
    const other = new SQSClient({
      region: 'us-east-1',
      endpoint: first.aws.sqsEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await other.send(new SendMessageCommand({ QueueUrl: first.aws.dlqUrl, MessageBody: 'letter' }));
      const [letter] = await receiveAll(first.aws, first.aws.dlqUrl);
      await other.send(new SendMessageCommand({ QueueUrl: first.aws.queueUrl, MessageBody: 'redriven' }));
      await other.send(
        new DeleteMessageCommand({ QueueUrl: first.aws.dlqUrl, ReceiptHandle: letter?.ReceiptHandle }),
      );
    } finally {
      other.destroy();
    }
    await first.stop();
    const second = await run('second');
    expect(second.aws.replayed).toBe(1);
    expect(await receiveAll(second.aws, second.aws.dlqUrl)).toEqual([]);
    expect((await receiveAll(second.aws, second.aws.queueUrl)).map((m) => m.Body)).toEqual(['redriven']);
  });
});
