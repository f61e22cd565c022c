import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

/** Reason given to messages SQS itself moved after too many receives (no batcher wrapper). */
export const RETRIES_EXHAUSTED = 'retries-exhausted';

/** Options for {@link redriveDeadLetters}. */
export interface RedriveOptions {
  readonly client: SQSClient;
  readonly deadLetterQueueUrl: string;
  readonly queueUrl: string;
  /** Only letters with one of these reasons; all when empty or absent. */
  readonly reasons?: readonly string[];
  /** Stop after moving this many. */
  readonly max?: number;
  /** Count what would move, move nothing. */
  readonly dryRun?: boolean;
}

/** What a redrive did, per reason. */
export interface RedriveReport {
  readonly moved: number;
  readonly skipped: number;
  readonly failed: number;
  readonly byReason: Readonly<Record<string, number>>;
}

interface Letter {
  readonly message: Message;
  readonly reason: string;
  /** The queued-request JSON to put back on the source queue. */
  readonly original: string;
}

/**
 * Moves dead letters back to the source queue. A batcher dead letter is the original message
 * wrapped with its reason (`{"reason","detail","messageId","body"}`): the original `body` is
 * sent back, not the wrapper, so the batcher can read it. A message SQS moved after
 * maxReceiveCount is the original already and goes back unchanged. Each letter is deleted
 * from the dead-letter queue only after the source queue took it, so a failure part-way
 * leaves it where it was; letters filtered out are made visible again at the end.
 */
export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveReport> {
  const { client, deadLetterQueueUrl: dlq } = options;
  const wanted = new Set(options.reasons ?? []);
  const byReason: Record<string, number> = {};
  const held: Message[] = [];
  let moved = 0;
  let failed = 0;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  try {
    while (moved < max) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq,
          MaxNumberOfMessages: Math.min(10, max - moved),
          VisibilityTimeout: 120,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      const letters: Letter[] = [];
      for (const message of messages) {
        const letter = readLetter(message);
        if (wanted.size > 0 && !wanted.has(letter.reason)) held.push(message);
        else letters.push(letter);
      }
      if (options.dryRun) held.push(...letters.map((l) => l.message));
      const sent = options.dryRun ? letters : await sendBack(client, options.queueUrl, letters);
      failed += letters.length - sent.length;
      if (!options.dryRun)
        await deleteLetters(
          client,
          dlq,
          sent.map((l) => l.message),
        );
      for (const letter of sent) byReason[letter.reason] = (byReason[letter.reason] ?? 0) + 1;
      moved += sent.length;
      if (failed > 0) break;
    }
  } finally {
    await release(client, dlq, held);
  }
  return { moved, skipped: held.length, failed, byReason };
}

/** Reads a dead-letter queue message as a batcher letter or a raw moved message. */
function readLetter(message: Message): Letter {
  const body = message.Body ?? '';
  try {
    const parsed: unknown = JSON.parse(body);
    if (isWrapper(parsed)) return { message, reason: parsed.reason, original: parsed.body };
  } catch {
    // Not JSON at all: it goes back as it is and the batcher dead-letters it as malformed.
  }
  return { message, reason: RETRIES_EXHAUSTED, original: body };
}

function isWrapper(value: unknown): value is { reason: string; body: string } {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.reason === 'string' && typeof v.body === 'string' && typeof v.messageId === 'string';
}

async function sendBack(client: SQSClient, queueUrl: string, letters: readonly Letter[]): Promise<Letter[]> {
  if (letters.length === 0) return [];
  const out = await client.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: letters.map((l, i) => ({ Id: String(i), MessageBody: l.original })),
    }),
  );
  const ok = new Set((out.Successful ?? []).map((s) => s.Id));
  return letters.filter((_, i) => ok.has(String(i)));
}

async function deleteLetters(
  client: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<void> {
  if (messages.length === 0) return;
  await client.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
    }),
  );
}

async function release(client: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages
          .slice(i, i + 10)
          .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: 0 })),
      }),
    );
  }
}

/**
 * SQS's own redrive (StartMessageMoveTask) from the dead-letter queue to its source, then
 * waits for the task to finish. Messages move unchanged; the batcher unwraps its own
 * letters, so this works for both kinds. {@link redriveDeadLetters} stays the default because
 * only it can pick letters by reason.
 *
 * @returns the number of messages moved
 */
export async function nativeRedrive(
  client: SQSClient,
  deadLetterQueueUrl: string,
  queueUrl: string,
  pollMs = 200,
): Promise<number> {
  const [sourceArn, destinationArn] = await Promise.all([
    arnOf(client, deadLetterQueueUrl),
    arnOf(client, queueUrl),
  ]);
  await client.send(
    new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
  );
  for (;;) {
    const out = await client.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const task = out.Results?.[0];
    if (task?.Status === 'COMPLETED') return task.ApproximateNumberOfMessagesMoved ?? 0;
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      throw new Error(
        `the message move task ended ${task.Status}: ${task.FailureReason ?? 'no reason given'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function arnOf(client: SQSClient, queueUrl: string): Promise<string> {
  const out = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for queue ${queueUrl}`);
  return arn;
}
