import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.ts';
import { startLocalAws } from '../../../src/local/aws-local.ts';
import { queuedPageView } from '../../support/queued-page-view.ts';
import { startLocalSqs } from '../../support/sqs.ts';
import { tempDirPerTest } from '../../support/temp-dir.ts';
import { bufferIo } from '../../unit/cli/buffer-io.ts';

const temp = tempDirPerTest('taglane-local-data-');

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await runCli(['node', 'taglane', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The `n`th page view of `key`, as a queue message body. */
function queued(n: number, key: string): string {
  return JSON.stringify(queuedPageView(n, key));
}

const LOCAL = { visibilityTimeoutSeconds: 30, maxReceiveCount: 5 };

describe('taglane forget --data-dir', () => {
  it('refuses a data directory that does not exist, and does not create it', async () => {
    const typo = join(temp.path, 'TYPO');
    const run = await cli('forget', 'jane@example.com', '--data-dir', typo);
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      `error: the data directory "${typo}" does not exist: give the --data-dir of taglane serve\n`,
    );
    expect(run.out).toBe('');
    await expect(stat(typo)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses an existing directory taglane serve never used, and leaves it as it was', async () => {
    const run = await cli('forget', 'jane@example.com', '--data-dir', temp.path);
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      `error: "${temp.path}" is not a data directory of taglane serve (it has no dynamodb/ folder)\n`,
    );
    expect(await readdir(temp.path)).toEqual([]);
  });

  it("removes the person's raw key from the queue journal, delivered or still queued", async () => {
    const dataDir = join(temp.path, 'data');
    const journal = join(dataDir, 'queue.journal');
    const aws = await startLocalAws({ ...LOCAL, dataDir, journal });
    try {
      // Delivered: sent, received and deleted; the journal keeps its line until compacted.
      await aws.sqs.send(
        new SendMessageCommand({ QueueUrl: aws.queueUrl, MessageBody: queued(1, 'jane@example.com') }),
      );
      const received = await aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: aws.queueUrl, MaxNumberOfMessages: 10 }),
      );
      for (const m of received.Messages ?? []) {
        await aws.sqs.send(
          new DeleteMessageCommand({ QueueUrl: aws.queueUrl, ReceiptHandle: m.ReceiptHandle }),
        );
      }
      expect(received.Messages).toHaveLength(1);
      await aws.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: aws.queueUrl,
          Entries: [
            { Id: 'jane', MessageBody: queued(2, 'jane@example.com') },
            { Id: 'bob', MessageBody: queued(3, 'bob@example.com') },
          ],
        }),
      );
      // A dead letter wraps the request it could not deliver.
      const letter = {
        messageId: 'm-4',
        reason: 'invalid',
        detail: 'x',
        body: queued(4, 'jane@example.com'),
      };
      await aws.sqs.send(
        new SendMessageCommand({ QueueUrl: aws.dlqUrl, MessageBody: JSON.stringify(letter) }),
      );
    } finally {
      await aws.close();
    }
    expect(await readFile(journal, 'utf8')).toContain('jane@example.com');
    await writeFile(join(dataDir, 'visitor-hmac-key'), 'serve-kept-key\n');

    const run = await cli('forget', 'jane@example.com', '--data-dir', dataDir);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(
      'dropped 2 queued request(s) of this person from the queue journal; they were never delivered to Matomo',
    );
    expect(run.out).not.toContain('jane@example.com');
    const text = await readFile(journal, 'utf8');
    expect(text).not.toContain('jane@example.com');
    expect(text).toContain('bob@example.com');

    // Everyone else's requests are still queued when serve starts again.
    const again = await startLocalAws({ ...LOCAL, dataDir, journal });
    await again.close();
    expect(again.replayed).toBe(1);
  });
});

describe('the data directory of taglane serve', () => {
  it('is created owner-only, and so is its queue journal, whatever the umask', async () => {
    const dataDir = join(temp.path, 'fresh', 'data');
    const journal = join(dataDir, 'queue.journal');
    const aws = await startLocalAws({ ...LOCAL, dataDir, journal });
    try {
      await aws.sqs.send(
        new SendMessageCommand({ QueueUrl: aws.queueUrl, MessageBody: queued(1, 'jane@example.com') }),
      );
    } finally {
      await aws.close();
    }
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(journal)).mode & 0o777).toBe(0o600);
  });
});

describe('taglane redrive', () => {
  it('refuses the same queue as source and destination instead of looping forever', async () => {
    const sqs = await startLocalSqs();
    try {
      const letter = JSON.stringify({ messageId: 'm', reason: 'invalid', detail: 'x', body: queued(1, 'k') });
      await sqs.client.send(new SendMessageCommand({ QueueUrl: sqs.dlqUrl, MessageBody: letter }));
      const spelledOtherwise = sqs.dlqUrl.replace('127.0.0.1', 'localhost');
      for (const queueUrl of [sqs.dlqUrl, `${spelledOtherwise}/`]) {
        const run = await cli(
          'redrive',
          '--queue-url',
          queueUrl,
          '--dlq-url',
          sqs.dlqUrl,
          '--endpoint',
          sqs.endpoint,
        );
        expect(run.code).toBe(1);
        expect(run.err).toContain('--queue-url and --dlq-url name the same queue');
        expect(run.out).toBe('');
      }
      const left = await sqs.drain(sqs.dlqUrl);
      expect(left.map((m) => m.Body)).toEqual([letter]);
    } finally {
      await sqs.stop();
    }
  });
});
