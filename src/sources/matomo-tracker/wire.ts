import { TextDecoder } from 'node:util';
import { TrackerRequestError } from './request-errors.ts';

/** The tracking parameters of one request as the tracker sent them. */
export type WireParams = Readonly<Record<string, string>>;

/** What the endpoint received, parsed: the requests and how to answer them. */
export interface WireRequests {
  readonly requests: readonly WireParams[];
  /** Bulk JSON is answered with Matomo's JSON summary instead of an image. */
  readonly bulk: boolean;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads every form matomo.js (and Matomo's other trackers) send: the query string (GET, or
 * `sendBeacon`'s POST with an empty body), a form-encoded body (`setRequestMethod('POST')`;
 * its values win over the query's, as `$_POST` over `$_GET` in Matomo), and bulk JSON
 * `{"requests": ["?idsite=1&…", {"idsite": 1, …}, …]}`. Pure.
 *
 * @throws {TrackerRequestError} 400 for a body that is not UTF-8, broken JSON, a bulk that is
 *   not a list of query strings, or more than `maxRequests` requests.
 */
export function parseWire(
  query: Readonly<Record<string, string | undefined>>,
  body: Buffer,
  maxRequests: number,
): WireRequests {
  const fromQuery = defined(query);
  if (body.length === 0) return { requests: [fromQuery], bulk: false };
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new TrackerRequestError(400, 'invalid-body', 'the body is not valid UTF-8', '$');
  }
  if (text.trimStart().startsWith('{')) return { requests: bulkOf(text, maxRequests), bulk: true };
  return { requests: [{ ...fromQuery, ...formOf(text) }], bulk: false };
}

function bulkOf(text: string, maxRequests: number): WireParams[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TrackerRequestError(400, 'invalid-body', `bulk body is not JSON: ${String(error)}`, '$');
  }
  const requests = (parsed as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    const detail = 'a bulk body is {"requests": ["?idsite=…", …]} with at least one request';
    throw new TrackerRequestError(400, 'invalid-body', detail, '$.requests');
  }
  if (requests.length > maxRequests) {
    const detail = `a bulk may hold at most ${maxRequests} requests; this one has ${requests.length}`;
    throw new TrackerRequestError(413, 'too-many-requests', detail, '$.requests');
  }
  return requests.map((entry, i) => {
    if (typeof entry === 'string') {
      const at = entry.indexOf('?');
      return formOf(at < 0 ? entry : entry.slice(at + 1));
    }
    // Matomo's BulkTracking also takes an object of parameters (plugins/BulkTracking/Tracker/Requests.php).
    if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) return objectOf(entry, i);
    const detail = 'each bulk request is a query string such as "?idsite=1&rec=1" or an object of parameters';
    throw new TrackerRequestError(400, 'invalid-body', detail, `$.requests[${i}]`);
  });
}

function objectOf(entry: object, index: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      const detail = 'a parameter of a bulk request is a string, number or boolean';
      throw new TrackerRequestError(400, 'invalid-body', detail, `$.requests[${index}].${key}`);
    }
    out[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  return out;
}

function formOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) out[key] = value;
  return out;
}

function defined(query: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) if (value !== undefined) out[key] = value;
  return out;
}
