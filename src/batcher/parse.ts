import { z } from 'zod';
import { isQueuedPack, sqsSafeJson } from '../tracking/queued-pack.ts';
import { type QueuedRequest, QueuedRequestSchema } from '../tracking/queued-request.ts';
import type { DeadLetter } from './ports.ts';

/** One queue message as the batcher receives it (an SQS record's id and body). */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  /** Needed to delay the message's next receive; without it the visibility timeout applies. */
  readonly receiptHandle?: string;
  /** SQS `ApproximateReceiveCount`: 1 on the first receive. @default 1 */
  readonly receiveCount?: number;
  /** SQS `SentTimestamp` in unix milliseconds, for the retention check. */
  readonly sentAtMs?: number;
}

/**
 * A valid queued request and the messages that carried it (SQS may deliver one twice; a pack
 * carries several requests, so one message can be behind several items).
 */
export interface BatchItem {
  readonly request: QueuedRequest;
  readonly messageIds: readonly string[];
  /**
   * The queued request's own JSON: a dead letter made from it wraps this, never an envelope
   * and never the pack it came in, so a dead letter holds only its own request.
   */
  readonly body: string;
}

/**
 * The batcher's own dead letter, `{"messageId","reason","detail","body"}` (see
 * `SqsDeadLetterSink`). SQS's StartMessageMoveTask moves it back to the queue unchanged, so the
 * batcher reads it as the request in `body`.
 */
const DeadLetterEnvelopeSchema = z.strictObject({
  messageId: z.string(),
  reason: z.string().min(1),
  detail: z.string(),
  body: z.string(),
});

type Parsed =
  | { ok: true; request: QueuedRequest; body: string }
  | { ok: false; detail: string; body: string };

/**
 * Validates every message against the queued-request contract; a dead-letter envelope moved
 * back by StartMessageMoveTask is unwrapped first, and a pack (`src/tracking/queued-pack.ts`)
 * is read as its requests. Malformed ones become dead letters with the reason (retrying cannot
 * fix them), one per malformed request of a pack; messages carrying the same request id are
 * merged so the request is sent once.
 */
export function parseMessages(messages: readonly QueueMessage[]): {
  items: BatchItem[];
  malformed: DeadLetter[];
} {
  const byId = new Map<string, { request: QueuedRequest; messageIds: string[]; body: string }>();
  const malformed: DeadLetter[] = [];
  for (const message of messages) {
    for (const parsed of parseBody(message.body)) {
      if (!parsed.ok) {
        malformed.push({
          messageId: message.messageId,
          reason: 'malformed',
          detail: parsed.detail,
          body: parsed.body,
        });
        continue;
      }
      const seen = byId.get(parsed.request.id);
      if (seen) seen.messageIds.push(message.messageId);
      else
        byId.set(parsed.request.id, {
          request: parsed.request,
          messageIds: [message.messageId],
          body: parsed.body,
        });
    }
  }
  return { items: [...byId.values()], malformed };
}

function parseBody(body: string): Parsed[] {
  const json = parseJson(body);
  if (!json.ok) return [{ ok: false, detail: `body is not JSON: ${json.error}`, body }];
  if (isQueuedPack(json.value)) {
    const { requests } = json.value;
    // Each request's own JSON, so a dead letter or a merge never carries its siblings.
    return requests.map((value, i) =>
      validate(value, sqsSafeJson(value), `request ${i + 1} of ${requests.length} in a pack: `),
    );
  }
  if (!isEnvelopeShaped(json.value)) return [validate(json.value, body, '')];
  const envelope = DeadLetterEnvelopeSchema.safeParse(json.value);
  if (!envelope.success)
    return [{ ok: false, detail: `dead-letter envelope: ${issues(envelope.error)}`, body }];
  // From here on the request's own JSON is what counts: a second dead letter wraps it, not
  // the old envelope, so letters never nest.
  const inner = envelope.data.body;
  const prefix = `in a dead letter (was ${envelope.data.reason}): `;
  const innerJson = parseJson(inner);
  if (!innerJson.ok)
    return [{ ok: false, detail: `${prefix}body is not JSON: ${innerJson.error}`, body: inner }];
  return [validate(innerJson.value, inner, prefix)];
}

function validate(value: unknown, body: string, prefix: string): Parsed {
  const parsed = QueuedRequestSchema.safeParse(value);
  return parsed.success
    ? { ok: true, request: parsed.data, body }
    : { ok: false, detail: `${prefix}${issues(parsed.error)}`, body };
}

/** A queued request always has `v`; a dead letter never does, and carries `reason` and `body`. */
function isEnvelopeShaped(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !('v' in value) &&
    'reason' in value &&
    'body' in value
  );
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
