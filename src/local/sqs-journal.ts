import {
  type DeleteMessageBatchCommandInput,
  type DeleteMessageBatchCommandOutput,
  type DeleteMessageCommandInput,
  type MessageAttributeValue,
  type ReceiveMessageCommandOutput,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  type SendMessageCommandInput,
  type SendMessageCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type JournalEntry,
  type JournaledMessage,
  type JournaledQueue,
  JournalWriter,
  readJournal,
  writeJournal,
} from './queue-journal.ts';

/** Queue URLs of the embedded SQS server, by their journal name. */
export type JournaledQueueUrls = Readonly<Record<JournaledQueue, string>>;

/** A journal attached to an SQS client. */
export interface SqsJournal {
  /** Messages found in the journal at start-up and sent to the queues again. */
  readonly replayed: number;
  /** Waits for pending writes and closes the file; the client stays usable. */
  close(): Promise<void>;
}

/**
 * Makes the embedded queues durable: replays into `queues` every message the journal at `path`
 * holds that was never deleted, rewrites the journal with only those, then journals every
 * message `sqs` sends to the queues and every one it deletes. A send resolves only after its
 * messages are synced to disk, so ingest never answers 202 for a message a crash could lose.
 */
export async function attachSqsJournal(
  sqs: SQSClient,
  queues: JournaledQueueUrls,
  path: string,
): Promise<SqsJournal> {
  const live = await readJournal(path);
  const replayed = await replay(sqs, queues, live);
  await writeJournal(path, replayed);
  const writer = await JournalWriter.open(path);
  const observer = new SqsObserver(queues, writer);
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      // Journaled before the caller sees success: a crash before the sync fails the send.
      await observer.observe(context.commandName ?? '', args.input, result.output);
      return result;
    },
    { step: 'initialize', name: 'taglaneQueueJournal' },
  );
  return { replayed: replayed.length, close: () => writer.close() };
}

/** Sends the live messages again; the queue gives them new ids, which the new journal keeps. */
async function replay(
  sqs: SQSClient,
  queues: JournaledQueueUrls,
  live: readonly JournaledMessage[],
): Promise<JournaledMessage[]> {
  const out: JournaledMessage[] = [];
  for (let start = 0; start < live.length; start += 10) {
    const chunk = live.slice(start, start + 10);
    for (const queue of ['requests', 'dead-letters'] as const) {
      const entries = chunk.filter((m) => m.queue === queue);
      if (entries.length === 0) continue;
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues[queue],
          Entries: entries.map((m, i) => ({
            Id: String(i),
            MessageBody: m.body,
            ...(m.attributes ? { MessageAttributes: fromJournal(m.attributes) } : {}),
          })),
        }),
      );
      if ((sent.Failed ?? []).length > 0) {
        throw new Error(`the embedded SQS refused ${sent.Failed?.length} journaled message(s) on replay`);
      }
      for (const ok of sent.Successful ?? []) {
        const message = entries[Number(ok.Id)];
        if (message && ok.MessageId !== undefined) out.push({ ...message, id: ok.MessageId });
      }
    }
  }
  return out;
}

/** Turns the SDK calls that change the queues' content into journal entries. */
class SqsObserver {
  readonly #queues: ReadonlyMap<string, JournaledQueue>;
  readonly #writer: JournalWriter;
  /** Receipt handle -> message id: deletes name handles, the journal names messages. */
  readonly #handles = new Map<string, string>();
  /** Message id -> its latest handle, so a re-received message does not leave a stale one. */
  readonly #latest = new Map<string, string>();

  constructor(queues: JournaledQueueUrls, writer: JournalWriter) {
    this.#queues = new Map(Object.entries(queues).map(([name, url]) => [url, name as JournaledQueue]));
    this.#writer = writer;
  }

  async observe(command: string, input: unknown, output: unknown): Promise<void> {
    const queue = this.#queues.get((input as { QueueUrl?: string }).QueueUrl ?? '');
    if (queue === undefined) return;
    await this.#writer.append(this.#entries(command, queue, input, output));
  }

  #entries(command: string, queue: JournaledQueue, input: unknown, output: unknown): JournalEntry[] {
    switch (command) {
      case 'SendMessageBatchCommand': {
        const entries = new Map((input as SendMessageBatchCommandInput).Entries?.map((e) => [e.Id, e]));
        return ((output as SendMessageBatchCommandOutput).Successful ?? []).flatMap((ok) => {
          const entry = entries.get(ok.Id);
          return entry ? [sendEntry(queue, ok.MessageId, entry)] : [];
        });
      }
      case 'SendMessageCommand':
        return [
          sendEntry(queue, (output as SendMessageCommandOutput).MessageId, input as SendMessageCommandInput),
        ];
      case 'ReceiveMessageCommand':
        this.#received(output as ReceiveMessageCommandOutput);
        return [];
      case 'DeleteMessageBatchCommand': {
        const batch = input as DeleteMessageBatchCommandInput;
        const handles = new Map(batch.Entries?.map((e) => [e.Id, e.ReceiptHandle]));
        const deleted = (output as DeleteMessageBatchCommandOutput).Successful ?? [];
        return deleted.flatMap((ok) => this.#done(handles.get(ok.Id)));
      }
      case 'DeleteMessageCommand':
        return this.#done((input as DeleteMessageCommandInput).ReceiptHandle);
      default:
        return [];
    }
  }

  #received(output: ReceiveMessageCommandOutput): void {
    for (const message of output.Messages ?? []) {
      if (message.MessageId === undefined || message.ReceiptHandle === undefined) continue;
      const previous = this.#latest.get(message.MessageId);
      if (previous !== undefined) this.#handles.delete(previous);
      this.#handles.set(message.ReceiptHandle, message.MessageId);
      this.#latest.set(message.MessageId, message.ReceiptHandle);
    }
  }

  #done(handle: string | undefined): JournalEntry[] {
    const id = handle === undefined ? undefined : this.#handles.get(handle);
    if (handle === undefined || id === undefined) return [];
    this.#handles.delete(handle);
    this.#latest.delete(id);
    return [{ op: 'done', id }];
  }
}

function sendEntry(
  queue: JournaledQueue,
  id: string | undefined,
  entry: {
    MessageBody?: string | undefined;
    MessageAttributes?: Record<string, MessageAttributeValue> | undefined;
  },
): JournalEntry {
  if (id === undefined) throw new Error('the embedded SQS accepted a message without giving its id');
  return {
    op: 'send',
    queue,
    id,
    body: entry.MessageBody ?? '',
    ...(entry.MessageAttributes ? { attributes: toJournal(entry.MessageAttributes) } : {}),
  };
}

type StoredAttributes = NonNullable<JournaledMessage['attributes']>;

function toJournal(attributes: Record<string, MessageAttributeValue>): StoredAttributes {
  const out: StoredAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      DataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
      ...(value.BinaryValue === undefined
        ? {}
        : { BinaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
    };
  }
  return out;
}

function fromJournal(attributes: StoredAttributes): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      DataType: value.DataType,
      ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { BinaryValue: Buffer.from(value.BinaryValue, 'base64') }),
    };
  }
  return out;
}
