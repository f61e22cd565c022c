import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { batcherDepsFromEnv, createBatcherHandler } from '../../../functions/batcher/handler.ts';
import { createIngestHandler, ingestDepsFromEnv } from '../../../functions/ingest/handler.ts';
import { DynamoDbClient } from '../../../src/aws-lite/dynamodb.ts';
import { startLocalAws } from '../../../src/local/aws-local.ts';
import { startHttpServer } from '../../../src/local/http-server.ts';
import { type BatchOutcome, QueuePoller } from '../../../src/local/poller.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { type MatomoServerOptions, startMatomoServer, type TestMatomo } from '../../support/matomo-server.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { secrets } from './ingest-harness.ts';

/** The Matomo token of the test Matomo (write access, so old `cdt` values are accepted). */
export const MATOMO_TOKEN = 'reliability-write-token';

/** Options of {@link startPipeline}. */
export interface PipelineOptions {
  readonly matomo?: Partial<MatomoServerOptions>;
  /** Handler environment on top of the defaults (bulk limits, Matomo timeout). */
  readonly env?: Record<string, string>;
  readonly batchSize?: number;
  readonly maxReceiveCount?: number;
}

/** The whole pipeline as `taglane serve` composes it, with fault proxies before SQS and DynamoDB. */
export interface Pipeline {
  readonly url: string;
  readonly matomo: TestMatomo;
  /** Between the handlers and the embedded SQS server. */
  readonly sqsProxy: FaultProxy;
  /** Between the batcher and the embedded DynamoDB server. */
  readonly dynamoProxy: FaultProxy;
  /** Between the batcher and Matomo. */
  readonly matomoProxy: FaultProxy;
  /** The embedded SQS, for operations such as `taglane redrive --endpoint`. */
  readonly queues: { readonly endpoint: string; readonly queueUrl: string; readonly dlqUrl: string };
  readonly batches: BatchOutcome[];
  /** Posts app events (as JSON) and returns the HTTP statuses. */
  post(events: unknown, source?: string): Promise<number>;
  /** Waits until the queue holds nothing, visible or in flight. */
  drain(timeoutMs?: number): Promise<number>;
  /** Every message on the dead-letter queue (made visible again after reading). */
  deadLetters(): Promise<Message[]>;
  /** How many messages the dead-letter queue holds, without receiving (hiding) them. */
  deadLetterCount(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts embedded SQS and DynamoDB (as `taglane serve` does), a Matomo-like server, the real
 * ingest and batcher handlers over SDK clients that go through fault proxies, the queue
 * poller and the local HTTP server. The composition is `src/local/server.ts`'s, with the
 * proxies as the one difference.
 */
export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const dataDir = await mkdtemp(join(tmpdir(), 'taglane-reliability-'));
  const matomo = await startMatomoServer({ sites: [1, 7], writeTokens: [MATOMO_TOKEN], ...options.matomo });
  const aws = await startLocalAws({
    dataDir,
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: options.maxReceiveCount ?? 50,
  });
  const sqsProxy = await startFaultProxy(await endpointOf(aws.sqs));
  const dynamoProxy = await startFaultProxy(aws.dynamodb.endpoint.origin);
  const matomoProxy = await startFaultProxy(matomo.url);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: sqsProxy.endpoint, credentials });
  // The batcher's own DynamoDB client (aws-lite), its standard retries and all, behind the proxy.
  const dynamodb = new DynamoDbClient({
    region: 'us-east-1',
    endpoint: new URL(dynamoProxy.endpoint),
    endpointConfigured: true,
    credentials,
  });
  const env: Record<string, string> = {
    ...secrets,
    MATOMO_TOKEN,
    TAGLANE_VISITOR_HMAC_KEY: 'reliability-visitor-key',
    TAGLANE_RULES_DIR: 'rules',
    TAGLANE_QUEUE_URL: aws.queueUrl,
    TAGLANE_DLQ_URL: aws.dlqUrl,
    TAGLANE_TABLE_NAME: aws.tableName,
    MATOMO_URL: matomoProxy.endpoint,
    TAGLANE_MATOMO_TIMEOUT_MS: '500',
    // The queue's 1 s visibility timeout as base, doubling to 2 s: outages retried quickly.
    TAGLANE_RETRY_BASE_SECONDS: '1',
    TAGLANE_RETRY_MAX_SECONDS: '2',
    ...options.env,
  };
  const secretSource = new EnvSecretSource(env);
  const ingest = createIngestHandler({
    ...(await ingestDepsFromEnv(env, { sqs, secrets: secretSource })),
    logger: quiet,
    metrics: { count: () => undefined },
  });
  const batcher = createBatcherHandler({
    ...(await batcherDepsFromEnv(env, { sqs, dynamodb, secrets: secretSource })),
    log: quiet,
  });
  const batches: BatchOutcome[] = [];
  const poller = new QueuePoller({
    sqs,
    queueUrl: aws.queueUrl,
    queueArn: aws.queueArn,
    region: 'us-east-1',
    handler: batcher,
    batchSize: options.batchSize ?? 10,
    batchWindowMs: 20,
    functionTimeoutMs: 30_000,
    onBatch: (outcome) => batches.push(outcome),
  });
  const http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handler: ingest,
    onError: () => undefined,
  });
  poller.start();
  return {
    url: http.url,
    matomo,
    sqsProxy,
    dynamoProxy,
    matomoProxy,
    queues: { endpoint: sqsProxy.endpoint, queueUrl: aws.queueUrl, dlqUrl: aws.dlqUrl },
    batches,
    async post(events, source = 'app') {
      const key = source === 'hostile' ? secrets.HOSTILE_API_KEY : secrets.TAGLANE_API_KEY;
      const res = await fetch(`${http.url}/events?source=${source}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify(events),
      });
      await res.arrayBuffer();
      return res.status;
    },
    drain: (timeoutMs) => poller.drain(timeoutMs),
    async deadLetterCount() {
      const out = await aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: aws.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
    },
    async deadLetters() {
      // Read until empty with a long visibility timeout: nothing else reads this queue.
      const seen = new Map<string, Message>();
      for (;;) {
        const out = await aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: aws.dlqUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 300,
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) return [...seen.values()];
        for (const m of messages) seen.set(m.MessageId ?? '', m);
      }
    },
    async close() {
      await http.close();
      await poller.stop();
      sqs.destroy();
      await Promise.all([sqsProxy.close(), dynamoProxy.close(), matomoProxy.close(), matomo.close()]);
      await aws.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function endpointOf(client: SQSClient): Promise<string> {
  const endpoint = await client.config.endpoint?.();
  if (!endpoint) throw new Error('the embedded server has no endpoint');
  return `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port ?? ''}`;
}

/** An app page view with a unique id and URL, so Matomo's records can be counted per event. */
export function pageView(n: number, at = Math.floor(Date.now() / 1000) - 60): Record<string, unknown> {
  return {
    id: `evt_rel_${n}`,
    type: 'page_view',
    timestamp: at,
    anonymousId: `anon_${n % 7}`,
    properties: { url: `https://www.example.com/p/${n}`, title: `Page ${n}` },
  };
}

/** How many times each of `n` page views reached Matomo (index = event number). */
export function recordedCounts(matomo: TestMatomo, n: number): number[] {
  const counts = Array.from({ length: n }, () => 0);
  for (const params of matomo.recorded()) {
    const match = /\/p\/(\d+)$/.exec(String(params.url ?? ''));
    const index = match ? Number(match[1]) : -1;
    if (index >= 0 && index < n) counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}
