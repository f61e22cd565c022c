import { type QueuedRequest, QueuedRequestSchema } from '../tracking/queued-request.ts';
import type { DeadLetter } from './ports.ts';

/** One queue message as the batcher receives it (an SQS record's id and body). */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
}

/** A valid queued request and the messages that carried it (SQS may deliver one twice). */
export interface BatchItem {
  readonly request: QueuedRequest;
  readonly messageIds: readonly string[];
  readonly body: string;
}

/**
 * Validates every message against the queued-request contract. Malformed ones become dead
 * letters with the reason (retrying cannot fix them); messages carrying the same request id
 * are merged so the request is sent once.
 */
export function parseMessages(messages: readonly QueueMessage[]): {
  items: BatchItem[];
  malformed: DeadLetter[];
} {
  const byId = new Map<string, { request: QueuedRequest; messageIds: string[]; body: string }>();
  const malformed: DeadLetter[] = [];
  for (const message of messages) {
    const problem = (detail: string): void => {
      malformed.push({ messageId: message.messageId, reason: 'malformed', detail, body: message.body });
    };
    let json: unknown;
    try {
      json = JSON.parse(message.body);
    } catch (error) {
      problem(`body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const parsed = QueuedRequestSchema.safeParse(json);
    if (!parsed.success) {
      problem(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
      continue;
    }
    const seen = byId.get(parsed.data.id);
    if (seen) seen.messageIds.push(message.messageId);
    else
      byId.set(parsed.data.id, { request: parsed.data, messageIds: [message.messageId], body: message.body });
  }
  return { items: [...byId.values()], malformed };
}
