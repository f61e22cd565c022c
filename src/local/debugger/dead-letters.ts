import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { RETRIES_EXHAUSTED, redriveDeadLetters } from '../../adapters/sqs-redrive.ts';
import { requestsOf } from '../../tracking/queued-pack.ts';
import { parseJsonObject } from '../json-object.ts';
import type { DeadLetterView } from './wire.ts';

/** The queues the dead letters sit between. */
export interface DeadLetterQueues {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** Hides secret values in what is listed. @default shown as stored */
  readonly redact?: (text: string) => string;
}

/** Letters read at most per listing; the page says when there are more. */
const MAX_LISTED = 500;

/** Not a letter on the dead-letter queue (any more). */
export class DeadLetterNotFoundError extends Error {
  override readonly name = 'DeadLetterNotFoundError';
}

/**
 * Reads and redrives the dead-letter queue for the page. Reading receives every letter (held
 * invisible meanwhile) and makes them visible again, so listing changes nothing; one call runs
 * at a time so two readers do not hide letters from each other.
 */
export class DeadLetters {
  readonly #queues: DeadLetterQueues;
  #turn: Promise<unknown> = Promise.resolve();

  constructor(queues: DeadLetterQueues) {
    this.#queues = queues;
  }

  /** Letters on the queue, oldest first as SQS returns them. */
  list(): Promise<{ letters: DeadLetterView[]; more: boolean }> {
    return this.#serial(async () => {
      const messages = await this.#receiveAll();
      try {
        const redact = this.#queues.redact ?? ((text: string) => text);
        const letters = messages.slice(0, MAX_LISTED).flatMap((m) => views(m, redact));
        return { letters, more: messages.length > MAX_LISTED };
      } finally {
        await this.#release(messages);
      }
    });
  }

  /** Moves every letter back to the queue; resolves with how many moved. */
  redriveAll(): Promise<number> {
    return this.#serial(async () => {
      const { client, queueUrl, dlqUrl } = this.#queues;
      return (await redriveDeadLetters({ client, queueUrl, deadLetterQueueUrl: dlqUrl })).moved;
    });
  }

  /** Moves one letter back; throws {@link DeadLetterNotFoundError} when it is not there. */
  redrive(messageId: string): Promise<void> {
    return this.#serial(async () => {
      const messages = await this.#receiveAll();
      const others = messages.filter((m) => m.MessageId !== messageId);
      try {
        const letter = messages.find((m) => m.MessageId === messageId);
        if (!letter) throw new DeadLetterNotFoundError(`no dead letter ${messageId}`);
        const { client, queueUrl, dlqUrl } = this.#queues;
        // Sent back first, deleted after: a failure in between leaves a copy, never nothing.
        await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: original(letter) }));
        await client.send(
          new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: letter.ReceiptHandle ?? '' }),
        );
      } finally {
        await this.#release(others);
      }
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(work, work);
    this.#turn = run.catch(() => undefined);
    return run;
  }

  async #receiveAll(): Promise<Message[]> {
    const out: Message[] = [];
    for (;;) {
      const got = await this.#queues.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#queues.dlqUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = got.Messages ?? [];
      out.push(...messages);
      if (messages.length === 0 || out.length > MAX_LISTED) return out;
    }
  }

  async #release(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      await this.#queues.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#queues.dlqUrl,
          Entries: messages
            .slice(i, i + 10)
            .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: 0 })),
        }),
      );
    }
  }
}

/** The batcher's wrapper `{reason, detail, messageId, body}`, or a message SQS moved as it was. */
function unwrap(message: Message): { reason: string; detail: string; body: string } {
  const body = message.Body ?? '';
  const value = parseJsonObject(body);
  if (value && typeof value.reason === 'string' && typeof value.body === 'string') {
    return {
      reason: value.reason,
      detail: typeof value.detail === 'string' ? value.detail : '',
      body: value.body,
    };
  }
  return {
    reason: RETRIES_EXHAUSTED,
    detail: 'SQS moved it after the maximum number of receives (Matomo kept failing or timing out)',
    body,
  };
}

function original(message: Message): string {
  return unwrap(message).body;
}

/**
 * One view per request of a letter: the batcher's letters hold one, but a pack SQS moved after
 * too many receives holds several (each shown; redriving any moves the whole message).
 */
function views(message: Message, redact: (text: string) => string): DeadLetterView[] {
  const { reason, detail, body } = unwrap(message);
  const requests = requestsOf(parseJsonObject(redact(body)));
  return requests.map((value, i) => {
    const request =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
    const text = (key: string): Record<string, string> => {
      const v = request?.[key];
      return typeof v === 'string' ? { [key]: v } : {};
    };
    const params = request?.params;
    const where = requests.length > 1 ? ` (request ${i + 1} of ${requests.length} in one message)` : '';
    return {
      messageId: message.MessageId ?? '',
      reason,
      detail: `${detail}${where}`,
      ...(typeof request?.id === 'string' ? { requestId: request.id } : {}),
      ...text('source'),
      ...text('eventId'),
      ...text('rule'),
      ...(params !== null && typeof params === 'object' ? { params: params as Record<string, string> } : {}),
    };
  });
}
