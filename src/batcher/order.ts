import type { QueuedRequest } from '../tracking/queued-request.ts';

/**
 * Matomo wants each visitor's requests in chronological order: by event time, then time
 * received; at equal times the requests of one event keep the rule's track order (`index`),
 * and different events come out by event id, then request id, always the same way.
 */
export function compareRequests(a: QueuedRequest, b: QueuedRequest): number {
  return (
    a.time - b.time ||
    a.receivedAt - b.receivedAt ||
    textOrder(a.eventId, b.eventId) ||
    a.index - b.index ||
    textOrder(a.id, b.id)
  );
}

function textOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable, time-ordered copy of `items`. */
export function sortByTime<T extends { readonly request: QueuedRequest }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareRequests(a.request, b.request));
}

/** Limits of one bulk. */
export interface ChunkLimits {
  readonly maxRequests: number;
  /** Bytes available to the entries (the body limit minus the envelope). */
  readonly maxBytes: number;
}

/**
 * Splits ordered entries into consecutive chunks of at most `maxRequests` entries whose
 * JSON-encoded size (with separating commas) stays within `maxBytes`. An entry larger than
 * `maxBytes` on its own still gets a chunk of its own; callers drop those before.
 */
export function chunkBySize<T>(
  entries: readonly T[],
  size: (entry: T) => number,
  limits: ChunkLimits,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const entrySize = size(entry);
    const full = current.length >= limits.maxRequests || bytes + 1 + entrySize > limits.maxBytes;
    if (current.length > 0 && full) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    bytes += (current.length > 0 ? 1 : 0) + entrySize;
    current.push(entry);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Printable ASCII that JSON leaves as it is: what form-encoded queries are made of. */
const PLAIN_JSON = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/** Bytes an entry takes inside the bulk's JSON `requests` array. */
export function entryBytes(entry: string): number {
  // A form-encoded query is plain ASCII: its quoted length, without a copy to measure.
  if (PLAIN_JSON.test(entry)) return entry.length + 2;
  return Buffer.byteLength(JSON.stringify(entry));
}

/** Bytes of the bulk body around the entries: `{"requests":[],"token_auth":"..."}`. */
export function envelopeBytes(token: string | undefined): number {
  return Buffer.byteLength(
    JSON.stringify(token === undefined ? { requests: [] } : { requests: [], token_auth: token }),
  );
}

/** Groups items by a key, keeping first-seen key order and item order within a group. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
