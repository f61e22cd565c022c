import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { afterEach } from 'vitest';
import { DynamoDbDeliveryLog } from '../../../src/adapters/dynamodb-delivery-log.ts';
import { DynamoDbVisitorStore } from '../../../src/adapters/dynamodb-visitor-store.ts';
import { SqsDeadLetterSink } from '../../../src/adapters/sqs-dead-letter.ts';
import type { QueueMessage } from '../../../src/batcher/parse.ts';
import type { BatcherDeps, DeadLetter } from '../../../src/batcher/ports.ts';
import { FetchMatomoClient } from '../../../src/matomo/client.ts';
import type { QueuedRequest } from '../../../src/tracking/queued-request.ts';
import { startDynalite, type TestDynamo } from '../../support/dynalite.ts';
import { type MatomoServerOptions, startMatomoServer, type TestMatomo } from '../../support/matomo-server.ts';

/** Unix seconds now; request times are placed relative to it. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

let counter = 0;

/** A valid queued request; `time` defaults to an hour ago. */
export function queued(overrides: Partial<QueuedRequest> & { key?: string } = {}): QueuedRequest {
  counter += 1;
  const { key, ...rest } = overrides;
  const time = rest.time ?? nowSeconds() - 3600;
  return {
    v: 1,
    id: createHash('sha256')
      .update(`req-${process.pid}-${counter}-${Math.random()}`)
      .digest('hex')
      .slice(0, 32),
    source: 'test',
    eventId: `evt-${counter}`,
    rule: 'test rule',
    index: 0,
    destination: 'default',
    visitor: { key: key ?? `customer-${counter}` },
    receivedAt: time * 1000 + 5,
    ...rest,
    time,
    params: {
      idsite: '1',
      rec: '1',
      apiv: '1',
      cdt: String(time),
      action_name: `page ${counter}`,
      ...rest.params,
    },
  };
}

/** SQS-like messages for requests (message id = `m-<request id>`). */
export function messages(requests: readonly QueuedRequest[]): QueueMessage[] {
  return requests.map((r) => ({ messageId: `m-${r.id}`, body: JSON.stringify(r) }));
}

/** Everything one integration test talks to, all on 127.0.0.1. */
export interface Harness {
  readonly dynamo: TestDynamo;
  readonly matomo: TestMatomo;
  /** A client of the local SQS server and the dead-letter queue's URL. */
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  /** Batcher deps on the real adapters; each call builds new clients (a second batcher). */
  deps(overrides?: Partial<BatcherDeps> & { token?: string | undefined; timeoutMs?: number }): BatcherDeps;
  /** Receives and deletes everything on the dead-letter queue. */
  deadLetters(): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

/** Starts dynalite, a Matomo-like server and a local SQS dead-letter queue. */
export async function startHarness(
  matomoOptions: Partial<MatomoServerOptions> = {},
  defaults: { token?: string } = {},
): Promise<Harness> {
  const dynamo = await startDynalite();
  const matomo = await startMatomoServer({ sites: [1], writeTokens: ['write-token'], ...matomoOptions });
  const sqsServer: Server = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
  const address = sqsServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const created = await sqs.send(new CreateQueueCommand({ QueueName: 'taglane-dlq' }));
  const dlqUrl = created.QueueUrl ?? '';
  return {
    dynamo,
    matomo,
    sqs,
    dlqUrl,
    deps: (overrides = {}) => {
      const { token = defaults.token, timeoutMs = 2000, ...rest } = overrides;
      const client = dynamo.newApi();
      return {
        visitors: new DynamoDbVisitorStore({ client, tableName: dynamo.tableName }),
        deliveryLog: new DynamoDbDeliveryLog({ client, tableName: dynamo.tableName }),
        matomo: new FetchMatomoClient({ timeoutMs }),
        deadLetters: new SqsDeadLetterSink({ client: sqs, queueUrl: dlqUrl }),
        destination: async (name) => (name === 'default' ? { url: matomo.url, token } : undefined),
        config: {
          maxRequests: 100,
          maxBytes: 1024 * 1024,
          deliveredTtlSeconds: 7 * 86_400,
          visitorHmacKey: 'k3y',
        },
        now: Date.now,
        ...rest,
      };
    },
    deadLetters: async () => {
      const letters: DeadLetter[] = [];
      for (;;) {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
        const received = out.Messages ?? [];
        if (received.length === 0) return letters;
        for (const m of received) letters.push(JSON.parse(m.Body ?? '{}') as DeadLetter);
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: received.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    },
    close: async () => {
      sqs.destroy();
      await matomo.close();
      await dynamo.close();
      await new Promise<void>((resolve) => {
        sqsServer.close(() => resolve());
        sqsServer.closeAllConnections();
      });
    },
  };
}

/**
 * Registers an `afterEach` that closes every harness the test started; returns the starter.
 * Call it at the top of a test file.
 */
export function harnessPerTest(): (...args: Parameters<typeof startHarness>) => Promise<Harness> {
  const started: Harness[] = [];
  afterEach(async () => {
    for (const harness of started.splice(0)) await harness.close();
  });
  return async (...args) => {
    const harness = await startHarness(...args);
    started.push(harness);
    return harness;
  };
}

/** Fisher-Yates with a seeded generator, so a failing order can be reproduced. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}
