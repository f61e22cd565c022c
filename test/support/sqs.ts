import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import { SqsClient } from '../../src/aws-lite/sqs.ts';

/** A local SQS-protocol server (local-aws-sqs) on 127.0.0.1 with a queue, its DLQ and a FIFO queue. */
export interface LocalSqs {
  /** `http://127.0.0.1:<port>`, for `SQSClient({ endpoint })` or `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint: string;
  /** A client for `endpoint` with dummy credentials. */
  readonly client: SQSClient;
  /** aws-lite's client (what ingest sends with) for `endpoint`, with the same credentials. */
  readonly lite: SqsClient;
  /** The dummy credentials, for building another client. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** Standard queue; messages received `maxReceiveCount` times move to `dlqUrl`. */
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** FIFO queue (`taglane.fifo`) with content-based deduplication off. */
  readonly fifoQueueUrl: string;
  /** Receives until the queue is empty and deletes what it received; messages with all attributes. */
  drain(queueUrl?: string): Promise<Message[]>;
  /** Empties a queue. */
  purge(queueUrl?: string): Promise<void>;
  /**
   * The next `calls` SendMessageBatch calls answer every entry as `Failed` (SenderFault false,
   * as SQS does when throttled), without queuing anything. Tests the sender's retry path.
   */
  failNextBatches(calls: number): void;
  /** Number of SendMessageBatch calls seen so far (failed ones included). */
  batchCalls(): number;
  /** The `User-Agent` of each SendMessageBatch call so far: which client sent it. */
  batchUserAgents(): readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts a local SQS server on a random loopback port. Every call gets its own server, so tests
 * stay parallel-safe.
 *
 * @example
 * const sqs = await startLocalSqs();
 * afterAll(() => sqs.stop());
 */
export async function startLocalSqs(options: { maxReceiveCount?: number } = {}): Promise<LocalSqs> {
  let failing = 0;
  let calls = 0;
  const userAgents: string[] = [];
  let requestHandler: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => {
    const isBatch = req.headers['x-amz-target'] === 'AmazonSQS.SendMessageBatch';
    if (isBatch) {
      calls += 1;
      userAgents.push(String(req.headers['user-agent'] ?? ''));
    }
    if (isBatch && failing > 0) {
      failing -= 1;
      void answerAllFailed(req, res);
      return;
    }
    void requestHandler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // Created once the port is known, so the queue URLs it hands out point at this server.
  requestHandler = createRequestHandler({
    port,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
    queues: [
      { QueueName: 'taglane-dlq' },
      {
        QueueName: 'taglane',
        Attributes: {
          VisibilityTimeout: 30,
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:taglane-dlq',
            maxReceiveCount: options.maxReceiveCount ?? 3,
          }),
        },
      },
      { QueueName: 'taglane.fifo', Attributes: { FifoQueue: true } },
    ],
  }).requestHandler;
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const client = new SQSClient({ region: 'us-east-1', endpoint, credentials });
  const url = async (name: string): Promise<string> => {
    const out = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!out.QueueUrl) throw new Error(`local SQS has no queue ${name}`);
    return out.QueueUrl;
  };
  const queueUrl = await url('taglane');
  return {
    endpoint,
    client,
    lite: new SqsClient(
      { region: 'us-east-1', credentials, endpoint: new URL(endpoint), endpointConfigured: true },
      { sleep: async () => {} },
    ),
    credentials,
    queueUrl,
    dlqUrl: await url('taglane-dlq'),
    fifoQueueUrl: await url('taglane.fifo'),
    async drain(from = queueUrl) {
      const messages: Message[] = [];
      for (;;) {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: from,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 30,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (!out.Messages || out.Messages.length === 0) return messages;
        messages.push(...out.Messages);
        const entries = out.Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle ?? '' }));
        await client.send(new DeleteMessageBatchCommand({ QueueUrl: from, Entries: entries }));
      }
    },
    async purge(from = queueUrl) {
      await client.send(new PurgeQueueCommand({ QueueUrl: from }));
    },
    failNextBatches(count) {
      failing = count;
    },
    batchCalls: () => calls,
    batchUserAgents: () => [...userAgents],
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answerAllFailed(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: { Id: string }[] };
  const failed = (input.Entries ?? []).map((e) => ({
    Id: e.Id,
    SenderFault: false,
    Code: 'InternalError',
    Message: 'injected by test/support/sqs.ts',
  }));
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify({ Successful: [], Failed: failed }));
}
