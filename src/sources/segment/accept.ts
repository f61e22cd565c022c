import { checkSize, parseJson } from '../../ingest/body.ts';
import { enqueue } from '../../ingest/enqueue.ts';
import type { IdentifiedEvent } from '../../ingest/evaluate.ts';
import { bodyHashId } from '../../ingest/identity.ts';
import type { IngestDeps, IngestRequest } from '../../ingest/types.ts';
import { SEGMENT_LIMITS, type SegmentAccepted, type SegmentCall } from './calls.ts';
import { decodeBody } from './decode.ts';
import { messagesOf } from './messages.ts';
import { sourceForWriteKey } from './write-key.ts';

/**
 * Segment's HTTP API as an ingest source: decode (gzip) within Segment's size limits, find the
 * source by its write key, check and time-correct each message, then hand the events to the
 * core every source shares (`enqueue`: dedupe, rules, request sizes, queue). Resolves only once every request is queued; every failure is a typed ingest error,
 * which `ingest()` answers as a problem.
 *
 * `messageId` is the event id, so an SDK's retry of a batch produces the same request ids and
 * the batcher records it once. A message without one falls back to the body hash and its index.
 */
export async function acceptSegment(
  call: SegmentCall,
  request: IngestRequest,
  deps: IngestDeps,
): Promise<SegmentAccepted> {
  const receivedAt = deps.clock();
  checkSize(request.body, deps.limits.maxBodyBytes);
  // With Basic auth the key is checked before the body is read; only a key in the body needs it parsed first.
  const authorization = request.headers.authorization;
  const early = authorization
    ? await sourceForWriteKey(deps.rules, deps.secrets, authorization, undefined)
    : undefined;
  const limit = call === 'batch' ? SEGMENT_LIMITS.maxBatchBytes : SEGMENT_LIMITS.maxMessageBytes;
  const json = decodeBody(request.body, request.headers['content-encoding'], limit);
  const body = parseJson(json);
  const source = early ?? (await sourceForWriteKey(deps.rules, deps.secrets, undefined, body));
  const messages = messagesOf(call, body, receivedAt);
  const bodyHash = bodyHashId(json);
  const identified: IdentifiedEvent[] = messages.map((m, index) => ({
    event: m.event,
    eventId: m.messageId ?? (call === 'batch' ? `${bodyHash}#${index}` : bodyHash),
    path: m.path,
  }));
  return { success: true, ...(await enqueue(source, identified, request.requestId, deps, receivedAt)) };
}
