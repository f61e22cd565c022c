import type { QueuedRequest } from './queued-request.ts';

/**
 * The body of one queue message carrying several queued requests: `{"v":2,"requests":[…]}`,
 * each element a {@link QueuedRequest} as a single-request message (`{"v":1,…}`) carries it.
 * Ingest packs the requests of one POST that share a delay into as few messages as fit, so a
 * POST of 100 events is one or two SQS messages instead of a hundred; the batcher still
 * settles each request on its own. Single-request bodies stay valid, so a deploy strands
 * nothing already queued.
 */
export interface QueuedPack {
  readonly v: 2;
  readonly requests: readonly unknown[];
}

/** Whether a parsed message body is a pack (its requests still to be validated one by one). */
export function isQueuedPack(value: unknown): value is QueuedPack {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { v?: unknown }).v === 2 &&
    Array.isArray((value as { requests?: unknown }).requests)
  );
}

/**
 * JSON that SQS accepts as a message body. SQS refuses any character outside #x9 #xA #xD
 * #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF; JSON.stringify already escapes control
 * characters and lone surrogates, but not the noncharacters U+FFFE and U+FFFF, which a sender
 * can put in any string. Escaped, they mean the same JSON and cannot make a send fail forever.
 */
export function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** The body of a message carrying `requests`: a single request as it is, several as a pack. */
export function packBody(requests: readonly QueuedRequest[]): string {
  const [only] = requests;
  return sqsSafeJson(requests.length === 1 && only !== undefined ? only : { v: 2, requests });
}

/**
 * The requests a message body holds, as JSON values still to be validated: the elements of a
 * pack, or the body itself. For readers of queued bodies (the debugger, the journal, forget).
 */
export function requestsOf(value: unknown): readonly unknown[] {
  return isQueuedPack(value) ? value.requests : [value];
}
