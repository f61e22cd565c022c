import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalAwsDiedError, startLocalAws } from '../../../src/local/aws-local.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taglane-aws-local-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settings = (dataDir: string) => ({ dataDir, visibilityTimeoutSeconds: 30, maxReceiveCount: 5 });

describe('startLocalAws (the embedded servers in a worker thread)', () => {
  it('keeps what was written across a restart on the same data directory, and stops on close', async () => {
    const first = await startLocalAws(settings(dir));
    await first.dynamodb.putItem({
      TableName: first.tableName,
      Item: { pk: { S: 'v#kept' }, seed: { S: 'abc' } },
    });
    await first.close();
    // A second close is a no-op, as the server's own close may run it again.
    await first.close();
    await expect(
      first.sqs.send(new GetQueueAttributesCommand({ QueueUrl: first.queueUrl, AttributeNames: ['All'] })),
    ).rejects.toThrow();

    const second = await startLocalAws(settings(dir));
    try {
      const out = await second.dynamodb.getItem({
        TableName: second.tableName,
        Key: { pk: { S: 'v#kept' } },
      });
      expect(out.Item?.seed?.S).toBe('abc');
      expect(second.queueArn).toMatch(/^arn:aws:sqs:us-east-1:/);
    } finally {
      await second.close();
    }
  });

  it('rejects with the error of a start that failed in the thread', async () => {
    // The data directory cannot be created below a file.
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    await expect(startLocalAws(settings(join(file, 'data')))).rejects.toThrow(/ENOTDIR|not a directory/);
  });

  it('reports a thread that ends without close(), once, and still closes after it', async () => {
    const aws = await startLocalAws(settings(dir));
    const { threadId } = aws.thread;
    await aws.thread.terminate();
    const death = await aws.died;
    expect(death).toBeInstanceOf(LocalAwsDiedError);
    expect(death.threadId).toBe(threadId);
    expect(death.exitCode).toBe(1);
    expect(death.message).toBe(
      `the embedded SQS and DynamoDB servers' thread (worker thread ${threadId}) exited with code 1`,
    );
    // What ingest meets from then on: the queue is gone.
    await expect(
      aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: aws.queueUrl, AttributeNames: ['All'] })),
    ).rejects.toThrow(/ECONNREFUSED/);
    // A dead thread answers no "close": close() must not wait for one.
    await aws.close();
  });

  it('does not report a close as a death', async () => {
    const aws = await startLocalAws(settings(dir));
    await aws.close();
    // close() resolves after the thread's exit, so a report of it would have come by now.
    const first = await Promise.race([aws.died, Promise.resolve('not settled')]);
    expect(first).toBe('not settled');
  });
});
