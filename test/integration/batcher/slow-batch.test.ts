import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, expect, it } from 'vitest';
import { batcherDepsFromEnv, createBatcherHandler } from '../../../functions/batcher/handler.ts';
import { type LocalAws, startLocalAws } from '../../../src/local/aws-local.ts';
import { type BatchOutcome, QueuePoller } from '../../../src/local/poller.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { startMatomoServer, type TestMatomo } from '../../support/matomo-server.ts';
import { makeTempDir } from '../../support/temp-dir.ts';
import { queued } from './harness.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Matomo whose answers arrive `delayMs` after it committed the bulk (a slow Matomo or network). */
async function slowMatomo(matomo: TestMatomo, delayMs: number): Promise<string> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void fetch(`${matomo.url}${req.url ?? '/'}`, { method: 'POST', body: Buffer.concat(chunks) })
        .then(async (answer) => {
          const text = await answer.text();
          setTimeout(() => {
            res.writeHead(answer.status, { 'content-type': 'application/json' });
            res.end(text);
          }, delayMs);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it('delivers a batch that outlasts its time budget and the visibility timeout once, not twice', async () => {
  const { dir: dataDir, cleanup } = await makeTempDir('taglane-slow-batch-');
  cleanups.push(cleanup);
  const matomo = await startMatomoServer({ sites: [1], writeTokens: ['write-token'] });
  cleanups.push(() => matomo.close());
  // The queue hands a message out again 1 s after it was received.
  const aws: LocalAws = await startLocalAws({ dataDir, visibilityTimeoutSeconds: 1, maxReceiveCount: 50 });
  cleanups.push(() => aws.close());
  const env = {
    MATOMO_URL: await slowMatomo(matomo, 1500),
    MATOMO_TOKEN: 'write-token',
    TAGLANE_VISITOR_HMAC_KEY: 'hmac',
    TAGLANE_TABLE_NAME: aws.tableName,
    TAGLANE_DLQ_URL: aws.dlqUrl,
  };
  const deps = await batcherDepsFromEnv(env, {
    sqs: aws.sqs,
    dynamodb: aws.dynamodb,
    secrets: new EnvSecretSource(env),
  });
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const batches: BatchOutcome[] = [];
  const poller = new QueuePoller({
    sqs: aws.sqs,
    queueUrl: aws.queueUrl,
    queueArn: aws.queueArn,
    region: 'us-east-1',
    handler: createBatcherHandler({ ...deps, log: silent }),
    batchSize: 10,
    batchWindowMs: 20,
    // What a starved machine looks like: the batch needs longer than the function is given.
    functionTimeoutMs: 300,
    onBatch: (outcome) => batches.push(outcome),
  });
  cleanups.push(() => poller.stop());
  const requests = Array.from({ length: 10 }, () => queued());
  await aws.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: aws.queueUrl,
      Entries: requests.map((r, i) => ({ Id: String(i), MessageBody: JSON.stringify(r) })),
    }),
  );
  poller.start();
  expect(await poller.drain(30_000)).toBe(0);

  const names = matomo.recorded().map((p) => p.action_name);
  expect(names.sort()).toEqual(requests.map((r) => r.params.action_name).sort());
  expect(batches.filter((b) => b.error !== undefined)).toEqual([]);
});
