import type { Accepted } from '../../ingest/types.ts';

/** The calls of Segment's HTTP API, each `POST /v1/<call>`. */
export const SEGMENT_CALLS = ['track', 'page', 'screen', 'identify', 'alias', 'group', 'batch'] as const;

/** One call of Segment's HTTP API. */
export type SegmentCall = (typeof SEGMENT_CALLS)[number];

/** A message type: every call but `batch`, which carries a list of typed messages. */
export type SegmentType = Exclude<SegmentCall, 'batch'>;

/** The message types, for checking a batch element's `type`. */
export const SEGMENT_TYPES: readonly SegmentType[] = SEGMENT_CALLS.filter(
  (call): call is SegmentType => call !== 'batch',
);

/** Whether `name` is a call of Segment's API (the last segment of `/v1/<name>`). */
export function isSegmentCall(name: string): name is SegmentCall {
  return (SEGMENT_CALLS as readonly string[]).includes(name);
}

/**
 * Segment's published limits (segment.com/docs/connections/sources/catalog/libraries/server/http-api):
 * 32 KB per message and 500 KB per batch request, measured on the decompressed JSON.
 */
export const SEGMENT_LIMITS = { maxMessageBytes: 32 * 1024, maxBatchBytes: 500 * 1024 } as const;

/** What `POST /v1/*` answers when every message is queued: Segment's `success`, plus ingest's counts. */
export type SegmentAccepted = Accepted & { readonly success: true };
