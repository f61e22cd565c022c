import type { QueuedRequest } from '../tracking/queued-request.ts';

/**
 * What Matomo would receive for each request: parameter name -> string value (`ec_items` as its
 * JSON string), in request order. The shape `taglane preview --json` prints.
 */
export function matomoParams(requests: readonly QueuedRequest[]): Record<string, string>[] {
  return requests.map((r) => ({ ...r.params }));
}
