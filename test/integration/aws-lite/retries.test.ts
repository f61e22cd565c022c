import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AwsNetworkError, AwsServiceError, AwsTimeoutError } from '../../../src/aws-lite/errors.ts';
import { SqsChecksumError, SqsClient } from '../../../src/aws-lite/sqs.ts';
import { type ScriptedAnswer, startAwsJsonServer } from '../../support/aws-json-server.ts';
import { perTest } from '../../support/lifecycle.ts';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/taglane';
const ENTRY = { Id: 'm0', MessageBody: '{"v":1}' };
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const OK: ScriptedAnswer = {
  status: 200,
  json: { Successful: [{ Id: 'm0', MessageId: 'id-0', MD5OfMessageBody: md5(ENTRY.MessageBody) }] },
};
const error = (status: number, type: string, message = 'nope'): ScriptedAnswer => ({
  status,
  json: { __type: `com.amazonaws.sqs#${type}`, message },
});

const servers = perTest(
  'aws json servers',
  () => Promise.resolve([] as { close(): Promise<void> }[]),
  async (list) => {
    await Promise.all(list.map((s) => s.close()));
  },
);

async function clientFor(script: readonly ScriptedAnswer[], options: { timeoutMs?: number } = {}) {
  const server = await startAwsJsonServer(script);
  servers.current.push(server);
  const waits: number[] = [];
  const client = new SqsClient(
    {
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      endpoint: server.endpoint,
      endpointConfigured: true,
    },
    {
      ...options,
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  );
  return { server, client, waits };
}

describe('aws-lite retries, against a real HTTP server', () => {
  it('retries throttling and a 500, then succeeds, within three attempts', async () => {
    const { server, client, waits } = await clientFor([
      error(400, 'ThrottlingException'),
      error(500, 'InternalError'),
      OK,
    ]);
    const out = await client.sendMessageBatch(QUEUE, [ENTRY]);
    expect(out.Successful.map((s) => s.Id)).toEqual(['m0']);
    expect(server.calls).toHaveLength(3);
    expect(waits).toHaveLength(2);
    // Throttling waits on a 500 ms base, a 500 on 100 ms, doubled for the second retry.
    expect(waits[0]).toBeLessThan(500);
    expect(waits[1]).toBeLessThan(200);
  });

  it("retries SQS's own throttling code and gives up after three attempts", async () => {
    const { server, client } = await clientFor([error(400, 'RequestThrottled', 'slow down')]);
    const failure = await client.sendMessageBatch(QUEUE, [ENTRY]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AwsServiceError);
    expect(failure).toMatchObject({
      code: 'RequestThrottled',
      statusCode: 400,
      attempts: 3,
      retryable: true,
    });
    expect((failure as Error).message).toContain('slow down');
    expect(server.calls).toHaveLength(3);
  });

  it('does not retry a client error such as InvalidParameterValue', async () => {
    const { server, client } = await clientFor([error(400, 'InvalidParameterValue'), OK]);
    const failure = await client.sendMessageBatch(QUEUE, [ENTRY]).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'InvalidParameterValue', attempts: 1, retryable: false });
    expect(server.calls).toHaveLength(1);
  });

  it('reads the code from x-amzn-errortype and Message in capitals, as the SDK does', async () => {
    const { client } = await clientFor([
      {
        status: 403,
        json: { Message: 'denied' },
        headers: { 'x-amzn-errortype': 'AccessDenied:http://internal' },
      },
    ]);
    const failure = await client.sendMessageBatch(QUEUE, [ENTRY]).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'AccessDenied', statusCode: 403, retryable: false });
    expect((failure as Error).message).toContain('denied');
  });

  it('times out on a server that never answers, after its retries', async () => {
    const { server, client } = await clientFor(['hang'], { timeoutMs: 50 });
    const failure = await client.sendMessageBatch(QUEUE, [ENTRY]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AwsTimeoutError);
    expect(failure).toMatchObject({ attempts: 3, timeoutMs: 50, operation: 'SendMessageBatch' });
    expect(server.calls).toHaveLength(3);
  });

  it('retries a refused connection and names it a network error', async () => {
    const { server, client } = await clientFor([OK]);
    await server.close();
    const failure = await client.sendMessageBatch(QUEUE, [ENTRY]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AwsNetworkError);
    expect(failure).toMatchObject({ attempts: 3, retryable: true });
    expect(String((failure as Error).cause)).toContain('ECONNREFUSED');
  });

  it('refuses an answer whose body checksum does not match what was sent', async () => {
    const { client } = await clientFor([
      {
        status: 200,
        json: { Successful: [{ Id: 'm0', MessageId: 'id-0', MD5OfMessageBody: md5('other') }] },
      },
    ]);
    const failure = await client.sendMessageBatch(QUEUE, [ENTRY]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SqsChecksumError);
    expect((failure as SqsChecksumError).messageIds).toEqual(['id-0']);
  });

  it('speaks the JSON 1.0 protocol, signed with the credentials it was given', async () => {
    const { server, client } = await clientFor([OK]);
    await client.sendMessageBatch(QUEUE, [ENTRY]);
    const [call] = server.calls;
    expect(call?.target).toBe('AmazonSQS.SendMessageBatch');
    expect(call?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(call?.body ?? '')).toEqual({ QueueUrl: QUEUE, Entries: [ENTRY] });
    expect(call?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(call?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });
});
