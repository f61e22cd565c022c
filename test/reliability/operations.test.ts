import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { type Message, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbDeliveryLog } from '../../src/adapters/dynamodb-delivery-log.ts';
import { DynamoDbVisitorStore } from '../../src/adapters/dynamodb-visitor-store.ts';
import { runCli } from '../../src/cli/program.ts';
import {
  hashVisitorKey,
  type PersonAssignment,
  type PersonRef,
  type ResolvePeopleOptions,
  startResolvingPeople,
} from '../../src/identity/index.ts';
import { startLocalAws } from '../../src/local/aws-local.ts';
import { type QueuedRequest, QueuedRequestSchema } from '../../src/tracking/queued-request.ts';
import { startDynalite, type TestDynamo } from '../support/dynalite.ts';
import { queuedPageView } from '../support/queued-page-view.ts';
import { type LocalSqs, startLocalSqs } from '../support/sqs.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { bufferIo } from '../unit/cli/buffer-io.ts';
import { pageView, recordedCounts, startPipeline } from './support/pipeline.ts';

function queued(n: number): QueuedRequest {
  return queuedPageView(n, `anon_${n}`);
}

/** A dead letter as the batcher writes it. */
function letter(n: number, reason: string): string {
  return JSON.stringify({
    messageId: `m-${n}`,
    reason,
    detail: `because ${reason}`,
    body: JSON.stringify(queued(n)),
  });
}

async function receiveAll(sqs: LocalSqs, queueUrl: string): Promise<Message[]> {
  const out = await sqs.client.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  // With a zero visibility timeout local SQS may hand the same message out twice in one answer.
  return [...new Map((out.Messages ?? []).map((m) => [m.MessageId, m])).values()];
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await runCli(['node', 'taglane', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('taglane redrive', () => {
  let sqs: LocalSqs;
  let args: string[];
  beforeEach(async () => {
    sqs = await startLocalSqs();
    args = ['--queue-url', sqs.queueUrl, '--dlq-url', sqs.dlqUrl, '--endpoint', sqs.endpoint];
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.dlqUrl,
        Entries: [
          { Id: 'a', MessageBody: letter(1, 'rejected') },
          { Id: 'b', MessageBody: letter(2, 'invalid') },
          // Moved by SQS itself after maxReceiveCount: the original message, no wrapper.
          { Id: 'c', MessageBody: JSON.stringify(queued(3)) },
        ],
      }),
    );
    return () => sqs.stop();
  });

  it('puts every original request back on the queue and empties the dead-letter queue', async () => {
    const run = await cli('redrive', ...args);
    expect(run.code).toBe(0);
    expect(run.out).toContain('moved 3 dead letter(s)');
    expect(run.out).toMatch(/rejected 1.*invalid 1.*retries-exhausted 1|retries-exhausted 1/);
    const back = await sqs.drain();
    const requests = back.map((m) => QueuedRequestSchema.parse(JSON.parse(m.Body ?? '')));
    expect(requests.map((r) => r.eventId).sort()).toEqual(['evt_1', 'evt_2', 'evt_3']);
    expect(await sqs.drain(sqs.dlqUrl)).toEqual([]);
  });

  it('moves only the reasons asked for and leaves the others visible', async () => {
    const run = await cli('redrive', ...args, '--reason', 'invalid');
    expect(run.code).toBe(0);
    expect(run.out).toContain('moved 1 dead letter(s) back to the queue (invalid 1)');
    expect(
      (await sqs.drain()).map((m) => QueuedRequestSchema.parse(JSON.parse(m.Body ?? '')).eventId),
    ).toEqual(['evt_2']);
    expect(await receiveAll(sqs, sqs.dlqUrl)).toHaveLength(2);
  });

  it('moves nothing on a dry run', async () => {
    const run = await cli('redrive', ...args, '--dry-run');
    expect(run.out).toContain('would move 3');
    expect(await sqs.drain()).toEqual([]);
    expect(await receiveAll(sqs, sqs.dlqUrl)).toHaveLength(3);
  });

  it("moves messages unchanged with SQS's StartMessageMoveTask when asked", async () => {
    const run = await cli('redrive', ...args, '--native');
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain('moved 3 message(s)');
    const bodies = (await sqs.drain()).map((m) => m.Body ?? '');
    expect(bodies).toContain(letter(1, 'rejected'));
    expect(await sqs.drain(sqs.dlqUrl)).toEqual([]);
  });

  it('names a missing queue URL instead of failing later', async () => {
    const run = await cli('redrive', '--dlq-url', sqs.dlqUrl, '--endpoint', sqs.endpoint);
    expect(run.code).toBe(1);
    expect(run.err).toContain('--queue-url (or TAGLANE_QUEUE_URL) is required');
  });
});

describe('taglane forget', () => {
  let dynamo: TestDynamo;
  const hmacKey = 'forget-test-hmac-key';
  beforeAll(async () => {
    dynamo = await startDynalite();
    process.env.TAGLANE_VISITOR_HMAC_KEY = hmacKey;
  });
  afterAll(async () => {
    delete process.env.TAGLANE_VISITOR_HMAC_KEY;
    await dynamo.close();
  });

  it("deletes the person's mapping, so the next event gets a new visitor id", async () => {
    const store = new DynamoDbVisitorStore({ client: dynamo.api, tableName: dynamo.tableName });
    const resolve = async (): Promise<string | undefined> =>
      (
        await resolvedPeople([{ requestId: 'r1', key: 'cus_42' }], {
          store,
          secret: hmacKey,
          now: 1,
          newVisitorId: () => randomHex(),
        })
      ).get('r1')?.cid;
    const before = await resolve();
    expect(await resolve()).toBe(before);
    const bucket = { id: 'a'.repeat(32), bucket: hashVisitorKey('cus_42', hmacKey) };
    const deliveryLog = new DynamoDbDeliveryLog({ client: dynamo.api, tableName: dynamo.tableName });
    await deliveryLog.record([bucket], Math.floor(Date.now() / 1000) + 3600);
    const run = await cli('forget', 'cus_42', '--table', dynamo.tableName, '--endpoint', dynamo.endpoint);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(`forgot visitor ${before}`);
    expect(run.out).not.toContain('cus_42');
    const item = await dynamo.client.send(
      new GetItemCommand({
        TableName: dynamo.tableName,
        Key: { pk: { S: `v#${hashVisitorKey('cus_42', hmacKey)}` } },
      }),
    );
    expect(item.Item).toBeUndefined();
    // The person's delivered request ids are filed under the same HMAC: they go too.
    const logged = await dynamo.client.send(
      new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: `l#${bucket.bucket}` } } }),
    );
    expect(logged.Item).toBeUndefined();
    const after = await resolve();
    expect(after).toMatch(/^[0-9a-f]{16}$/);
    expect(after).not.toBe(before);
    const again = await cli('forget', 'cus_42', '--table', dynamo.tableName, '--endpoint', dynamo.endpoint);
    expect(again.out).toContain('forgot visitor');
  });

  it('forgets every key linked to the person: the anonymous id and the user id it became', async () => {
    const store = new DynamoDbVisitorStore({ client: dynamo.api, tableName: dynamo.tableName });
    const people = await resolvedPeople(
      [
        { requestId: 'a', key: 'anon-77' },
        { requestId: 's', key: 'user-77', anonymousKey: 'anon-77', uid: 'user-77' },
      ],
      { store, secret: hmacKey, now: 1, newVisitorId: () => randomHex() },
    );
    const run = await cli('forget', 'anon-77', '--table', dynamo.tableName, '--endpoint', dynamo.endpoint);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(`forgot visitor ${people.get('s')?.cid}`);
    expect(run.out).toContain('(2 linked keys)');
    for (const key of ['anon-77', 'user-77']) {
      const item = await dynamo.client.send(
        new GetItemCommand({
          TableName: dynamo.tableName,
          Key: { pk: { S: `v#${hashVisitorKey(key, hmacKey)}` } },
        }),
      );
      expect(item.Item, key).toBeUndefined();
    }
  });

  it('says so when there is nothing to forget, and needs a table name', async () => {
    const none = await cli('forget', 'nobody', '--table', dynamo.tableName, '--endpoint', dynamo.endpoint);
    expect(none.code).toBe(0);
    expect(none.out).toContain('no visitor mapping for this key');
    const noTable = await cli('forget', 'nobody', '--endpoint', dynamo.endpoint);
    expect(noTable.code).toBe(1);
    expect(noTable.err).toContain('TAGLANE_TABLE_NAME');
  });

  it('forgets in the data directory of a stopped taglane serve, with the key kept there', async () => {
    const { dir: dataDir, cleanup } = await makeTempDir('taglane-forget-');
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dataDir, 'visitor-hmac-key'), 'serve-kept-key\n');
      const key = (await readFile(join(dataDir, 'visitor-hmac-key'), 'utf8')).trim();
      const aws = await startLocalAws({ dataDir, visibilityTimeoutSeconds: 30, maxReceiveCount: 5 });
      // startLocalAws returns once the new table is ACTIVE (dynalite hides it until then).
      await aws.dynamodb.putItem({
        TableName: aws.tableName,
        Item: {
          pk: { S: `v#${hashVisitorKey('jane@example.com', key)}` },
          visitorId: { S: '0123456789abcdef' },
        },
      });
      await aws.close();
      const saved = process.env.TAGLANE_VISITOR_HMAC_KEY;
      delete process.env.TAGLANE_VISITOR_HMAC_KEY;
      const run = await cli('forget', 'jane@example.com', '--data-dir', dataDir).finally(() => {
        process.env.TAGLANE_VISITOR_HMAC_KEY = saved;
      });
      expect(run.code, run.err).toBe(0);
      expect(run.out).toContain('forgot visitor 0123456789abcdef');
      // While a serve holds the directory (this process's pid stands in for it), forget refuses.
      await writeFile(join(dataDir, 'serve.pid'), `${process.pid}\n`);
      const busy = await cli('forget', 'jane@example.com', '--data-dir', dataDir);
      expect(busy.code).toBe(1);
      expect(busy.err).toContain('in use by another taglane serve');
    } finally {
      await cleanup();
    }
  });
});

function randomHex(): string {
  return Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
}

describe('dead letters redriven once the cause is fixed', () => {
  it('delivers crash reports exactly once after the Crash Analytics plugin is installed', async () => {
    const p = await startPipeline({ matomo: { crashPlugin: true } });
    try {
      // Until the plugin is "installed", Matomo fails (500, rolled back) every bulk with a crash.
      p.matomoProxy.setRule((request) =>
        request.body.toString('utf8').includes('cra=')
          ? {
              answer: {
                status: 500,
                headers: { 'content-type': 'application/json' },
                body: '{"status":"error"}',
              },
            }
          : undefined,
      );
      const at = Math.floor(Date.now() / 1000) - 60;
      const crashes = [1, 2].map((n) => ({
        id: `evt_c${n}`,
        type: 'error',
        timestamp: at,
        userId: `u${n}`,
        properties: { message: `boom ${n}` },
      }));
      expect(await p.post([pageView(0, at), ...crashes])).toBe(202);
      // Crashes are poison once they failed alone on 5 receives while Matomo accepted other
      // traffic: page views keep coming until both are dead-lettered.
      for (let n = 1; n < 400 && (await p.deadLetterCount()) < 2; n += 1) {
        expect(await p.post([pageView(n, at)])).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(await p.drain(15_000)).toBe(0);
      expect(p.matomo.recorded().filter((r) => r.ca === '1' && r.cra !== undefined)).toEqual([]);
      p.matomoProxy.setRule(undefined);
      const run = await cli(
        'redrive',
        '--queue-url',
        p.queues.queueUrl,
        '--dlq-url',
        p.queues.dlqUrl,
        '--endpoint',
        p.queues.endpoint,
      );
      expect(run.code, run.err).toBe(0);
      expect(run.out).toContain('moved 2 dead letter(s) back to the queue (rejected 2)');
      expect(await p.drain(15_000)).toBe(0);
      const crashesRecorded = p.matomo
        .recorded()
        .filter((r) => r.cra !== undefined)
        .map((r) => r.cra);
      expect(crashesRecorded.sort()).toEqual(['boom 1', 'boom 2']);
      expect(recordedCounts(p.matomo, 1)).toEqual([1]);
      expect(await p.deadLetters()).toEqual([]);
    } finally {
      await p.close();
    }
  }, 90_000);
});

/** Who each request is for, once the batcher's writes for it are all stored (as a batch does). */
async function resolvedPeople(
  refs: readonly PersonRef[],
  options: ResolvePeopleOptions,
): Promise<ReadonlyMap<string, PersonAssignment>> {
  const people = await startResolvingPeople(refs, options);
  expect(await people.done).toBe(true);
  return people.assignments;
}
