import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../../src/aws-lite/errors.ts';
import { SqsClient } from '../../../src/aws-lite/sqs.ts';
import { type LocalSqs, startLocalSqs } from '../../support/sqs.ts';

let sqs: LocalSqs;
beforeAll(async () => {
  sqs = await startLocalSqs();
});
afterAll(async () => {
  await sqs.stop();
});

describe('aws-lite SqsClient against local SQS', () => {
  it('sends a batch the AWS SDK reads back with its attributes', async () => {
    const body = '{"v":1,"text":"Grüße, 世界 👋"}';
    const out = await sqs.lite.sendMessageBatch(sqs.queueUrl, [
      {
        Id: 'm0',
        MessageBody: body,
        MessageAttributes: {
          source: { DataType: 'String', StringValue: 'app' },
          requests: { DataType: 'Number', StringValue: '2' },
        },
      },
      { Id: 'm1', MessageBody: 'second' },
    ]);
    expect(out.Failed).toEqual([]);
    expect(out.Successful.map((s) => s.Id).sort()).toEqual(['m0', 'm1']);
    const received = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    const first = received.Messages?.find((m) => m.Body === body);
    expect(first?.MessageAttributes?.source?.StringValue).toBe('app');
    expect(first?.MessageAttributes?.requests).toMatchObject({ DataType: 'Number', StringValue: '2' });
    expect(received.Messages?.map((m) => m.Body).sort()).toEqual([body, 'second'].sort());
    await sqs.purge();
  });

  it('reads the environment as Lambda sets it, endpoint variable included', async () => {
    const client = SqsClient.fromEnv({
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: sqs.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sqs.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: 'token',
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    });
    const out = await client.sendMessageBatch(sqs.queueUrl, [{ Id: 'a', MessageBody: 'from env' }]);
    expect(out.Successful.map((s) => s.Id)).toEqual(['a']);
    expect((await sqs.drain()).map((m) => m.Body)).toEqual(['from env']);
  });

  it('throws a typed, non-retryable error for a queue that does not exist', async () => {
    const missing = sqs.queueUrl.replace(/taglane$/, 'no-such-queue');
    const error = await sqs.lite
      .sendMessageBatch(missing, [{ Id: 'a', MessageBody: 'x' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect((error as AwsServiceError).code).toBe('QueueDoesNotExist');
    expect((error as AwsServiceError).statusCode).toBe(400);
    expect((error as AwsServiceError).retryable).toBe(false);
    expect((error as AwsServiceError).attempts).toBe(1);
  });
});
