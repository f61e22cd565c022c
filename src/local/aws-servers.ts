import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import { markNewDeliveryLog } from '../adapters/dynamodb-delivery-log-meta.ts';
import { sdkDynamoDb } from '../adapters/dynamodb-sdk.ts';
import { MAX_RETENTION_SECONDS } from '../batcher/backoff.ts';
import { DATA_DIR_MODE } from './data-dir-lock.ts';
import { journalingListener, SqsJournal } from './sqs-journal.ts';

/** dynalite ships no types; this is the part of its factory we use. */
type DynaliteFactory = (options: { path?: string; createTableMs?: number }) => Server;

// dynalite is CommonJS without types: load it through require and give it the type above.
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** Settings of the embedded queue and table. */
export interface LocalAwsOptions {
  /** Directory for the DynamoDB data (LevelDB); visitor ids survive restarts through it. */
  readonly dataDir: string;
  /** Seconds a received message stays invisible before SQS offers it again. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives after which SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /**
   * A journal file that makes the queues durable: what it holds is queued again at start,
   * and every change to the queues is recorded in it before SQS answers. @default in memory only
   */
  readonly journal?: string;
}

/** Where the embedded servers listen and what they created: plain data, so it crosses threads. */
export interface LocalAwsInfo {
  /** Endpoint of the embedded SQS server, for `taglane redrive --endpoint`. */
  readonly sqsEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly tableName: string;
  /** Messages the journal held at start and queued again (0 without a journal). */
  readonly replayed: number;
}

/** The servers running in this thread. */
export interface AwsServers extends LocalAwsInfo {
  close(): Promise<void>;
}

/** The region the embedded servers and their clients use. */
export const LOCAL_REGION = 'us-east-1';

/** The embedded servers do not check signatures, but the SDK insists on signing. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Starts local-aws-sqs (a queue with a redrive policy to a dead-letter queue) and dynalite
 * (data under `dataDir`) on random loopback ports in this thread, and creates the queue and
 * the table the way the CDK stack does. `startLocalAws` runs this in a worker thread.
 */
export async function startAwsServers(options: LocalAwsOptions): Promise<AwsServers> {
  await mkdir(options.dataDir, { recursive: true, mode: DATA_DIR_MODE });
  // createSqsServer without the wrapper: the journal must see each call before it is answered.
  const { requestHandler, service } = createRequestHandler({
    port: 0,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
  });
  let journal: SqsJournal | undefined;
  const sqsServer = createServer(journalingListener(requestHandler, () => journal));
  await listen(sqsServer);
  // local-aws-sqs builds queue URLs from this port, as createSqsServer sets it.
  service.PORT = (sqsServer.address() as AddressInfo).port;
  const dynamoServer = dynalite({ path: `${options.dataDir}/dynamodb`, createTableMs: 0 });
  try {
    await listen(dynamoServer);
  } catch (error) {
    sqsServer.close();
    throw error;
  }
  const sqs = new SQSClient({
    region: LOCAL_REGION,
    endpoint: urlOf(sqsServer),
    credentials: LOCAL_CREDENTIALS,
  });
  const dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: urlOf(dynamoServer),
    credentials: LOCAL_CREDENTIALS,
  });
  const close = async (): Promise<void> => {
    await journal?.close();
    sqs.destroy();
    dynamodb.destroy();
    sqsServer.closeAllConnections();
    await Promise.all([closeServer(sqsServer), closeServer(dynamoServer)]);
  };
  try {
    const { dlqUrl, queueUrl } = await createQueues(sqs, options);
    const queueArn = await arnOf(sqs, queueUrl);
    if (options.journal !== undefined) {
      journal = await SqsJournal.open(options.journal, sqs, { requests: queueUrl, 'dead-letters': dlqUrl });
    }
    const tableName = 'taglane-local';
    await createTable(dynamodb, tableName);
    const replayed = journal?.replayed ?? 0;
    return {
      sqsEndpoint: urlOf(sqsServer),
      dynamodbEndpoint: urlOf(dynamoServer),
      queueUrl,
      queueArn,
      dlqUrl,
      tableName,
      replayed,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function createQueues(
  sqs: SQSClient,
  options: LocalAwsOptions,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'taglane-dead-letters' }));
  const dlqUrl = required(dlq.QueueUrl, 'dead-letter queue url');
  const dlqArn = await arnOf(sqs, dlqUrl);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'taglane-requests',
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        // As on AWS: 14 days, so an outage that long is retried rather than lost.
        MessageRetentionPeriod: String(MAX_RETENTION_SECONDS),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: options.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: required(queue.QueueUrl, 'queue url'), dlqUrl };
}

async function arnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return required(out.Attributes?.QueueArn, 'queue arn');
}

async function createTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  let created = true;
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    // The table is kept on disk between runs: that is how visitor ids survive a restart.
    if (!(error instanceof ResourceInUseException)) throw error;
    created = false;
  }
  // dynalite answers ResourceNotFound for a table it is still creating, even with
  // createTableMs 0: a first batch would fail and wait out the visibility timeout.
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  // A new table holds no delivered ids of the per-id layout: the log need not look any up.
  if (created) await markNewDeliveryLog({ client: sdkDynamoDb(dynamodb), tableName });
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function urlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`the embedded SQS server returned no ${what}`);
  return value;
}
