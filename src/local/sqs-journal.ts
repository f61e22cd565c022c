import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
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
import { JournalWriter } from './journal-writer.ts';
import {
  type JournalEntry,
  type JournaledMessage,
  type JournaledQueue,
  readJournal,
  writeJournal,
} from './queue-journal.ts';

/** Queue URLs of the embedded SQS server, by their journal name. */
export type JournaledQueueUrls = Readonly<Record<JournaledQueue, string>>;

/** The SQS actions that change what the queues hold (and ReceiveMessage, for receipt handles). */
const OBSERVED = new Set([
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
]);

/**
 * Makes the embedded queues durable. `open` replays into `queues` every message the journal
 * at `path` holds that was never deleted and rewrites the journal with only those; from then
 * on {@link journalingListener} records every message any client sends to the queues or
 * deletes from them (serve's own clients and `taglane redrive` alike) before SQS answers, so
 * ingest never answers 202 for a message a crash could lose.
 */
export class SqsJournal {
  /** Messages found in the journal at start-up and sent to the queues again. */
  readonly replayed: number;
  readonly #observer: SqsObserver;
  readonly #writer: JournalWriter;

  private constructor(replayed: number, observer: SqsObserver, writer: JournalWriter) {
    this.replayed = replayed;
    this.#observer = observer;
    this.#writer = writer;
  }

  /** Replays and compacts the journal at `path`, then opens it for appending. */
  static async open(path: string, sqs: SQSClient, queues: JournaledQueueUrls): Promise<SqsJournal> {
    const live = await readJournal(path);
    const replayed = await replay(sqs, queues, live);
    await writeJournal(path, replayed);
    const writer = await JournalWriter.open(path);
    return new SqsJournal(replayed.length, new SqsObserver(queues, writer), writer);
  }

  /** Journals what a successful SQS call (JSON protocol input and output) did to the queues. */
  observe(action: string, input: unknown, output: unknown): Promise<void> {
    return this.#observer.observe(`${action}Command`, input, output);
  }

  /** Waits for pending writes and closes the file; later sends to the queues fail. */
  close(): Promise<void> {
    return this.#writer.close();
  }
}

/**
 * Wraps local-aws-sqs's request handler: the answer to a call that changed a queue is held
 * until the change is journaled, and replaced by an SQS `InternalError` (500) if that failed.
 * Until `journal()` returns one (during replay), calls pass through unrecorded.
 */
export function journalingListener(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  journal: () => SqsJournal | undefined,
): RequestListener {
  return (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    const current = journal();
    if (current === undefined || !OBSERVED.has(action)) {
      void handler(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const end = res.end.bind(res);
    const held = (body?: unknown): ServerResponse => {
      if (res.statusCode !== 200) return end(body as string);
      // DeleteMessage answers with no body at all.
      const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
      current.observe(action, parse(Buffer.concat(chunks).toString('utf8')), parse(text)).then(
        () => end(body as string),
        (error: unknown) => {
          res.statusCode = 500;
          end(
            JSON.stringify({
              __type: 'com.amazonaws.sqs#InternalError',
              message: `the local queue journal could not record this call: ${error instanceof Error ? error.message : String(error)}`,
            }),
          );
        },
      );
      return res;
    };
    res.end = held as ServerResponse['end'];
    void handler(req, res);
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
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
      ...(value.BinaryValue === undefined ? {} : { BinaryValue: base64(value.BinaryValue) }),
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

/** Over the JSON protocol binary values already arrive in base64; through the SDK as bytes. */
function base64(value: Uint8Array | string): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('base64');
}
