import { BadRequestError, type Issue, PayloadTooLargeError } from '../../ingest/errors.ts';
import { SEGMENT_LIMITS, SEGMENT_TYPES, type SegmentCall, type SegmentType } from './calls.ts';
import { correctedTime, parseTime } from './clock.ts';

/** One Segment message, checked and ready for the rules. */
export interface SegmentMessage {
  /** The message as sent, with `type` set, the batch's `context` merged in, `timestamp` corrected. */
  readonly event: Record<string, unknown>;
  /** The SDK's `messageId`, which its retries repeat; undefined when the sender set none. */
  readonly messageId: string | undefined;
  /** JSON path in the body: `$` or `$.batch[i]`. */
  readonly path: string;
}

/**
 * The messages of a `POST /v1/<call>` body, each checked against Segment's spec (a type, a
 * `userId` or `anonymousId`, `event` for track, `previousId` and `userId` for alias, ISO-8601
 * times, at most 32 KB) and with its time corrected for the sender's clock. Every problem is
 * reported with its path; one bad message refuses the request, as one POST is all-or-nothing.
 *
 * @throws BadRequestError (400) listing every problem; PayloadTooLargeError (413) for a message over 32 KB.
 */
export function messagesOf(call: SegmentCall, body: unknown, receivedAt: number): SegmentMessage[] {
  if (!isObject(body)) throw shapeError([{ path: '$', message: 'expected a JSON object' }]);
  const issues: Issue[] = [];
  const raw: { message: unknown; path: string }[] = [];
  if (call === 'batch') {
    const batch = body.batch;
    if (!Array.isArray(batch) || batch.length === 0) {
      throw shapeError([{ path: '$.batch', message: 'expected a non-empty array of messages' }]);
    }
    for (const [i, message] of batch.entries()) raw.push({ message, path: `$.batch[${i}]` });
  } else {
    raw.push({ message: body, path: '$' });
  }
  const shared = { context: isObject(body.context) ? body.context : {}, sentAt: body.sentAt };
  const out: SegmentMessage[] = [];
  for (const { message, path } of raw) {
    const checked = checkMessage(call, message, path, issues);
    if (checked === undefined) continue;
    const bytes = Buffer.byteLength(JSON.stringify(message));
    if (bytes > SEGMENT_LIMITS.maxMessageBytes) {
      throw new PayloadTooLargeError(
        `the message at ${path} is ${bytes} bytes; Segment's limit is ${SEGMENT_LIMITS.maxMessageBytes}`,
      );
    }
    const event = normalise(checked.message, checked.type, shared, receivedAt, path, issues);
    const id = checked.message.messageId;
    out.push({ event, messageId: typeof id === 'string' && id !== '' ? id : undefined, path });
  }
  if (issues.length > 0) throw shapeError(issues);
  return out;
}

function checkMessage(
  call: SegmentCall,
  message: unknown,
  path: string,
  issues: Issue[],
): { message: Record<string, unknown>; type: SegmentType } | undefined {
  if (!isObject(message)) {
    issues.push({ path, message: 'expected a message object' });
    return undefined;
  }
  const given = message.type;
  const type = call === 'batch' ? given : (given ?? call);
  if (!SEGMENT_TYPES.includes(type as SegmentType) || (call !== 'batch' && type !== call)) {
    const expected = call === 'batch' ? SEGMENT_TYPES.join(', ') : JSON.stringify(call);
    issues.push({ path: `${path}.type`, message: `expected ${expected}, got ${JSON.stringify(given)}` });
    return undefined;
  }
  const t = type as SegmentType;
  if (!isId(message.userId) && !isId(message.anonymousId)) {
    issues.push({ path, message: 'expected a userId or an anonymousId' });
  }
  if (t === 'track' && !(typeof message.event === 'string' && message.event.trim() !== '')) {
    issues.push({ path: `${path}.event`, message: 'a track call needs the event name' });
  }
  if (t === 'alias' && !(isId(message.previousId) && isId(message.userId))) {
    issues.push({ path, message: 'an alias call needs previousId and userId' });
  }
  if (message.messageId !== undefined && typeof message.messageId !== 'string') {
    issues.push({ path: `${path}.messageId`, message: 'expected a string' });
  }
  return { message, type: t };
}

function normalise(
  message: Record<string, unknown>,
  type: SegmentType,
  shared: { context: Record<string, unknown>; sentAt: unknown },
  receivedAt: number,
  path: string,
  issues: Issue[],
): Record<string, unknown> {
  const times: Record<string, number | undefined> = {};
  for (const [field, value] of [
    ['originalTimestamp', message.originalTimestamp],
    ['timestamp', message.timestamp],
    ['sentAt', message.sentAt ?? shared.sentAt],
  ] as const) {
    const parsed = parseTime(value);
    if (parsed === 'invalid')
      issues.push({ path: `${path}.${field}`, message: 'expected an ISO-8601 date-time' });
    else times[field] = parsed;
  }
  // A `timestamp` the caller set wins: RudderStack adds `originalTimestamp` (now) beside it.
  const call = times.timestamp ?? times.originalTimestamp;
  const time = correctedTime({ call, sentAt: times.sentAt, receivedAt });
  const context = isObject(message.context) ? { ...shared.context, ...message.context } : shared.context;
  return {
    ...message,
    type,
    context,
    timestamp: new Date(time).toISOString(),
    receivedAt: new Date(receivedAt).toISOString(),
  };
}

function isId(value: unknown): boolean {
  return (
    (typeof value === 'string' && value.trim() !== '') ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function shapeError(issues: readonly Issue[]): BadRequestError {
  const detail =
    issues.length === 1
      ? `${issues[0]?.path}: ${issues[0]?.message}`
      : `${issues.length} problems in the body`;
  return new BadRequestError('invalid-shape', detail, issues);
}
