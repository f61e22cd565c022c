import { Worker } from 'node:worker_threads';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { DynamoDbClient } from '../aws-lite/dynamodb.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalAwsInfo, type LocalAwsOptions } from './aws-servers.ts';
import type { AwsWorkerCommand, AwsWorkerReply } from './aws-worker.ts';

export type { LocalAwsOptions } from './aws-servers.ts';

/** The running embedded SQS and DynamoDB servers, with clients pointed at them. */
export interface LocalAws extends Omit<LocalAwsInfo, 'dynamodbEndpoint'> {
  readonly sqs: SQSClient;
  /** aws-lite's, the client the deployed batcher uses (its endpoint: `dynamodb.endpoint`). */
  readonly dynamodb: DynamoDbClient;
  /**
   * The servers' thread. `threadId` names it in reports; `terminate()` ends it at once, as a
   * crash would (nothing closed; the journal keeps what it wrote before each answer), which
   * {@link LocalAws.died} reports like any death. Tests use it to check that a death is heard.
   */
  readonly thread: Pick<Worker, 'threadId' | 'terminate'>;
  /**
   * Resolves, once, when the thread throws or exits other than through `close()`: from then on
   * every SQS and DynamoDB call fails. Never settles for a thread that is closed.
   */
  readonly died: Promise<LocalAwsDiedError>;
  close(): Promise<void>;
}

/** Thrown when the embedded servers' thread could not start them. */
export class LocalAwsStartError extends Error {
  override readonly name = 'LocalAwsStartError';
}

/** What {@link LocalAws.died} resolves with: the embedded servers' thread ended unasked. */
export class LocalAwsDiedError extends Error {
  override readonly name = 'LocalAwsDiedError';
  constructor(
    /** The thread's id, as Node numbers worker threads. */
    readonly threadId: number,
    /** Its exit code, when it exited; undefined when it threw (the error is the cause). */
    readonly exitCode: number | undefined,
    options: ErrorOptions = {},
  ) {
    const how = exitCode === undefined ? `threw ${describe(options.cause)}` : `exited with code ${exitCode}`;
    super(`the embedded SQS and DynamoDB servers' thread (worker thread ${threadId}) ${how}`, options);
  }
}

/**
 * Starts local-aws-sqs (a queue with a redrive policy to a dead-letter queue) and dynalite
 * (data under `dataDir`) on random loopback ports, and creates the queue and the table the
 * way the CDK stack does, so the handlers run against the same adapters as on AWS (ingest on
 * aws-lite, lent the SQS client's endpoint and credentials; the batcher's DynamoDB calls on
 * aws-lite too, its SQS calls on the SDK).
 * The servers run in a worker thread of their own: on the handlers' thread they took a fifth
 * of a drain's CPU (LevelDB, parsing the SDK's requests, the journal), which a second core
 * can do meanwhile (docs/benchmarks.md). The clients talk to them over loopback as before.
 */
export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  // Only the settings cross: callers pass wider objects (serve's whole configuration).
  const settings: LocalAwsOptions = {
    dataDir: options.dataDir,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    maxReceiveCount: options.maxReceiveCount,
    ...(options.journal === undefined ? {} : { journal: options.journal }),
  };
  const worker = new Worker(new URL('./aws-thread.mjs', import.meta.url), {
    workerData: { entry: new URL('./aws-worker.ts', import.meta.url).href, options: settings },
  });
  let closing: Promise<void> | undefined;
  // Listening from the start, so no death between "ready" and the code below goes unheard.
  const died = deathOf(worker, () => closing !== undefined);
  let dead = false;
  void died.then(() => {
    dead = true;
  });
  const reply = await firstReply(worker);
  if (reply.kind !== 'ready') {
    await worker.terminate();
    const cause = reply.kind === 'failed' ? reply.error : undefined;
    if (cause instanceof Error) throw cause;
    throw new LocalAwsStartError(`the embedded SQS and DynamoDB did not start: ${String(cause)}`, { cause });
  }
  const { dynamodbEndpoint, ...info } = reply.info;
  const sqs = new SQSClient({
    region: LOCAL_REGION,
    endpoint: info.sqsEndpoint,
    credentials: LOCAL_CREDENTIALS,
    signer: unsigned('sqs'),
  });
  // Signed, unlike the SDK clients here: aws-lite's SigV4 costs ~30 µs a call (~30 ms of a
  // 10,000-event drain), and serve then runs the batcher's deployed DynamoDB path whole.
  const dynamodb = new DynamoDbClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: new URL(dynamodbEndpoint),
    endpointConfigured: true,
  });
  const close = (): Promise<void> => {
    closing ??= (async () => {
      sqs.destroy();
      // A dead thread answers nothing: waiting for its "closed" would wait for ever.
      if (dead) return;
      // The worker closes the journal and the servers, then says so; its exit ends the thread.
      const closed = firstReply(worker);
      worker.postMessage({ kind: 'close' } satisfies AwsWorkerCommand);
      await closed;
      await worker.terminate();
    })();
    return closing;
  };
  return { ...info, sqs, dynamodb, thread: worker, died, close };
}

/**
 * The first `error` or `exit` of a started worker that `closing()` did not ask for. An error
 * is followed by an exit (code 1); the error says more, so it wins and the exit is not told
 * again. Listening to `error` also keeps it from being thrown on this thread.
 */
function deathOf(worker: Worker, closing: () => boolean): Promise<LocalAwsDiedError> {
  // threadId is -1 once the thread has gone: keep the one it had.
  const { threadId } = worker;
  return new Promise((resolve) => {
    worker.on('error', (error) => {
      if (!closing()) resolve(new LocalAwsDiedError(threadId, undefined, { cause: error }));
    });
    worker.once('exit', (code) => {
      if (!closing()) resolve(new LocalAwsDiedError(threadId, code));
    });
  });
}

/** What the SDK clients take as a request signer. */
type Signer = Extract<NonNullable<SQSClientConfig['signer']>, { sign: unknown }>;

/**
 * A signer that writes an Authorization header of the right form without computing a
 * signature: the embedded servers check only that one is there (dynalite its form), and SigV4
 * (hashing every body, an HMAC chain per call) was a twentieth of a drain's main-thread CPU.
 */
function unsigned(service: string): Signer {
  return {
    sign: async (request) => {
      const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
      request.headers['x-amz-date'] = date;
      request.headers.authorization =
        `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/${date.slice(0, 8)}/${LOCAL_REGION}/${service}/aws4_request, ` +
        'SignedHeaders=host;x-amz-date, Signature=unsigned';
      return request;
    },
  };
}

/**
 * The worker's next message, or a failure when it died before sending one. Its listeners go
 * once it settles: left behind, they would silently take a later death (see `deathOf`).
 */
function firstReply(worker: Worker): Promise<AwsWorkerReply> {
  return new Promise((resolve) => {
    const settle = (reply: AwsWorkerReply): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      resolve(reply);
    };
    const onMessage = (reply: AwsWorkerReply): void => settle(reply);
    const onError = (error: unknown): void => settle({ kind: 'failed', error });
    const onExit = (code: number): void => settle({ kind: 'failed', error: `exit code ${code}` });
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
