import type { QueuedRequest } from '../tracking/queued-request.ts';
import { type Issue, PayloadTooLargeError } from './errors.ts';

/** What the batcher appends to every request: `&cid=` and a 16-hex visitor id. */
const CID_BYTES = '&cid='.length + 16;

/**
 * The bulk body around the entries, `{"requests":[],"token_auth":"…"}`, with room for a token
 * of up to 128 characters (Matomo's are 32). Ingest does not know the token; the batcher does,
 * and refuses (dead-letters `too-large`) only what ingest let through with a longer one.
 */
const ENVELOPE_BYTES = '{"requests":[],"token_auth":""}'.length + 128;

/** The most bytes one UTF-16 code unit can take URL-encoded: a BMP character of 3 UTF-8 bytes. */
const MAX_BYTES_PER_UNIT = 9;

/**
 * Bytes the request takes as one entry of the batcher's bulk: the JSON string of
 * `?<URL-encoded params>&cid=<16 hex>`, exactly as `src/batcher` measures it. URL encoding
 * leaves only ASCII without quotes or backslashes, so JSON adds just the two quotes.
 */
export function entryBytes(params: Readonly<Record<string, string>>): number {
  return 2 + 1 + new URLSearchParams(params).toString().length + CID_BYTES;
}

/** An upper bound of {@link entryBytes}, without encoding anything. */
function entryBytesBound(params: Readonly<Record<string, string>>): number {
  let units = 0;
  let count = 0;
  for (const name in params) {
    units += name.length + (params[name]?.length ?? 0);
    count += 1;
  }
  return 3 + units * MAX_BYTES_PER_UNIT + count * 2 + CID_BYTES;
}

/**
 * Refuses a POST when one of its requests could never be sent: larger, URL-encoded, than a
 * bulk of `maxBulkBytes` (`TAGLANE_BULK_MAX_BYTES`, as the batcher uses it) can hold. Without
 * this the event would be answered 202 and then dead-lettered `too-large`. Cheap for ordinary
 * requests: only those whose worst-case size could pass the limit are encoded.
 *
 * @param pathOf JSON path of the event a request came from, by its event id
 * @throws PayloadTooLargeError (413) naming each event, rule and its largest parameter
 */
export function checkRequestSizes(
  requests: readonly QueuedRequest[],
  maxBulkBytes: number,
  pathOf: (eventId: string) => string,
): void {
  const limit = maxBulkBytes - ENVELOPE_BYTES;
  const issues: Issue[] = [];
  for (const request of requests) {
    if (entryBytesBound(request.params) <= limit) continue;
    const bytes = entryBytes(request.params);
    if (bytes <= limit) continue;
    const [param, paramBytes] = largestParam(request.params);
    issues.push({
      path: pathOf(request.eventId),
      rule: request.rule,
      field: param,
      message:
        `the tracking request is ${bytes} bytes URL-encoded; a bulk of TAGLANE_BULK_MAX_BYTES ` +
        `${maxBulkBytes} holds one of at most ${limit} (room left for cid and the envelope); ` +
        `${param} alone is ${paramBytes}`,
    });
  }
  if (issues.length === 0) return;
  const first = issues[0] as Issue;
  throw new PayloadTooLargeError(
    `a tracking request is too large for a Matomo bulk: ${first.field} of rule ${JSON.stringify(first.rule)} at ${first.path}` +
      (issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''),
    issues,
  );
}

function largestParam(params: Readonly<Record<string, string>>): [string, number] {
  let best: [string, number] = ['', -1];
  for (const [name, value] of Object.entries(params)) {
    const bytes = new URLSearchParams({ [name]: value }).toString().length;
    if (bytes > best[1]) best = [name, bytes];
  }
  return best;
}
