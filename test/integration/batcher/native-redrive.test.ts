import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { expect, it } from 'vitest';
import { nativeRedrive } from '../../../src/adapters/sqs-redrive.ts';
import { pollOnce, quietBatcher } from './event-source.ts';
import { type Harness, harnessPerTest, nowSeconds, queued } from './harness.ts';

const startHarness = harnessPerTest();

async function arnOf(t: Harness, queueUrl: string): Promise<string> {
  const out = await t.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return out.Attributes?.QueueArn ?? '';
}

it('delivers a dead letter that StartMessageMoveTask moved back unchanged, once', async () => {
  const t = await startHarness();
  const source = await t.sqs.send(
    new CreateQueueCommand({
      QueueName: 'taglane-source',
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(t, t.dlqUrl), maxReceiveCount: 5 }),
      },
    }),
  );
  const queueUrl = source.QueueUrl ?? '';
  // Two days old: without a token Matomo would refuse its cdt, so the batcher dead-letters it.
  const request = queued({ time: nowSeconds() - 2 * 86_400 });
  await t.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(request) }));

  expect(await pollOnce(t, queueUrl, quietBatcher(t.deps({ token: undefined })))).toBe(1);
  expect(t.matomo.recorded()).toEqual([]);

  // The operator configures MATOMO_TOKEN and runs `aws sqs start-message-move-task`.
  const moved = await nativeRedrive(t.sqs, t.dlqUrl, queueUrl, 20);
  expect(moved).toBe(1);
  const back = await t.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  const envelope = JSON.parse(back.Messages?.[0]?.Body ?? '{}') as Record<string, unknown>;
  expect(envelope.reason).toBe('old-cdt-without-token');
  expect(envelope.body).toBe(JSON.stringify(request));

  expect(await pollOnce(t, queueUrl, quietBatcher(t.deps({ token: 'write-token' })))).toBe(1);
  const recorded = t.matomo.recorded();
  expect(recorded.map((p) => p.action_name)).toEqual([request.params.action_name]);
  expect(recorded[0]?.cdt).toBe(String(request.time));
  expect(await t.deadLetters()).toEqual([]);

  // Moved back a second time by mistake, it is skipped: the delivered-id log remembers it.
  await t.sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: back.Messages?.[0]?.Body ?? '' }),
  );
  expect(await pollOnce(t, queueUrl, quietBatcher(t.deps({ token: 'write-token' })))).toBe(1);
  expect(t.matomo.recorded()).toHaveLength(1);
});

it('dead-letters a moved-back letter whose request is still malformed once more, unnested', async () => {
  const t = await startHarness();
  const source = await t.sqs.send(new CreateQueueCommand({ QueueName: 'taglane-source' }));
  const queueUrl = source.QueueUrl ?? '';
  const broken = JSON.stringify({ ...queued(), v: 2 });
  const letter = JSON.stringify({
    messageId: 'm-0',
    reason: 'malformed',
    detail: 'v: invalid',
    body: broken,
  });
  await t.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: letter }));

  expect(await pollOnce(t, queueUrl, quietBatcher(t.deps({ token: 'write-token' })))).toBe(1);
  const letters = await t.deadLetters();
  expect(letters.map((l) => [l.reason, l.body])).toEqual([['malformed', broken]]);
  expect(letters[0]?.detail).toMatch(/^in a dead letter \(was malformed\): v: /);
  expect(t.matomo.recorded()).toEqual([]);
});
