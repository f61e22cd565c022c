import { CreateQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { expect, it } from 'vitest';
import { batcherDepsFromEnv } from '../../../functions/batcher/handler.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { pollOnce, quietBatcher } from './event-source.ts';
import { harnessPerTest, nowSeconds, queued } from './harness.ts';

const startHarness = harnessPerTest();

it('through an outage on a real queue, every request reaches Matomo exactly once after recovery', async () => {
  const t = await startHarness();
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
  const deps = await batcherDepsFromEnv(env, { dynamodb: t.dynamo.newApi(), sqs: t.sqs, secrets });
  const handler = quietBatcher(deps);

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
