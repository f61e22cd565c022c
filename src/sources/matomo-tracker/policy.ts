import { createHash } from 'node:crypto';
import { requestId } from '../../rules/source.ts';
import type { QueuedRequest, RequestWarning } from '../../tracking/queued-request.ts';
import { anonymiseAddress, matomoLanguage } from './client.ts';
import type { TrackerConfig, TrackerSite } from './config.ts';
import { TrackerRequestError } from './request-errors.ts';
import type { WireParams } from './wire.ts';

/** The `source` of every queued request this endpoint makes (also the rule name). */
export const TRACKER_SOURCE = 'matomo-tracker';

/** What the browser's connection says about it. */
export interface ClientFacts {
  /** The client address, before anonymisation. */
  readonly address: string;
  readonly userAgent?: string | undefined;
  readonly acceptLanguage?: string | undefined;
}

/** One request's fate: queued as `request`, or dropped by the site's consent setting. */
export type Passed =
  | { readonly kind: 'queue'; readonly request: QueuedRequest }
  | { readonly kind: 'no-consent' };

/** Never taken from the browser: the token is ours, `cip` and `cdt` are set here. */
const NEVER_PASSED = new Set(['token_auth', 'cip', 'cdt']);
/** Kept by an allow-list whatever it says: Matomo refuses or ignores requests without them. */
const ALWAYS_ALLOWED = new Set(['idsite', 'rec']);
/** The tracker's visitor ids and cookie times, removed by `consent: strip`. */
const IDENTIFYING = ['_id', 'cid', 'uid', '_idts', '_idvc', '_idn', '_viewts', '_ects', '_refts'];

/**
 * Applies a site's policy to one request and makes the queued request: the site must be listed
 * (Matomo answers 400 for a site it does not track), consent gating, the allow- or deny-list,
 * then the browser's anonymised address, User-Agent and language (normalised as Matomo reads
 * `Accept-Language`) as `cip`, `ua`, `lang` (unless
 * the tracker sent `ua`/`lang` itself) and `cdt` as the time received, since delivery is later.
 * Every other parameter passes as sent. Pure.
 *
 * @throws {TrackerRequestError} 400 for a missing or unlisted `idsite`.
 */
export function passRequest(
  params: WireParams,
  index: number,
  config: TrackerConfig,
  client: ClientFacts,
  receivedAt: number,
): Passed {
  const path = `$.requests[${index}].idsite`;
  const idsite = params.idsite;
  if (idsite === undefined || idsite === '') {
    throw new TrackerRequestError(400, 'invalid-idsite', 'the request has no idsite', path);
  }
  const site = config.sites.get(idsite);
  if (site === undefined) {
    const detail = `idsite ${JSON.stringify(idsite.slice(0, 20))} is not tracked through this endpoint`;
    throw new TrackerRequestError(400, 'invalid-idsite', detail, path);
  }
  const consented = params.consent === '1';
  if (site.consent === 'drop' && !consented) return { kind: 'no-consent' };
  const warnings: RequestWarning[] = [];
  const out: Record<string, string> = {};
  const strip = site.consent === 'strip' && !consented;
  for (const [name, value] of Object.entries(params)) {
    if (NEVER_PASSED.has(name)) continue;
    if (strip && IDENTIFYING.includes(name)) {
      warnings.push({ field: name, message: 'removed: no consent=1 and the site has consent: strip' });
      continue;
    }
    if (!ALWAYS_ALLOWED.has(name) && !listed(name, site)) {
      warnings.push({ field: name, message: 'left out by the site parameter list' });
      continue;
    }
    out[name] = value;
  }
  const seconds = Math.floor(receivedAt / 1000);
  out.cip = anonymiseAddress(client.address, strip ? Math.max(site.anonymiseIp, 2) : site.anonymiseIp);
  if (out.ua === undefined && client.userAgent) out.ua = client.userAgent;
  // Normalised as Matomo normalises the header itself, which a `lang` parameter skips.
  if (out.lang === undefined && client.acceptLanguage) out.lang = matomoLanguage(client.acceptLanguage);
  out.cdt = String(seconds);
  const eventId = eventIdOf(params, client.address);
  const browserId = out._id !== undefined && /^[0-9a-fA-F]{16}$/.test(out._id) ? out._id : undefined;
  const request: QueuedRequest = {
    v: 1,
    id: requestId(TRACKER_SOURCE, eventId, TRACKER_SOURCE, index),
    source: TRACKER_SOURCE,
    eventId,
    rule: TRACKER_SOURCE,
    index,
    destination: site.destination,
    params: out,
    visitor: {
      // The user id links this browser to the person's server-side requests (see deliver.ts).
      key: out.uid !== undefined ? out.uid : `browser:${browserId ?? eventId}`,
      ...(browserId === undefined ? {} : { browserId }),
    },
    time: seconds,
    receivedAt,
    passthrough: true,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  return { kind: 'queue', request };
}

function listed(name: string, site: TrackerSite): boolean {
  const matches = (pattern: string) =>
    pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  if (site.allow !== undefined) return site.allow.some(matches);
  return !site.deny.some(matches);
}

/**
 * A request's identity for deduplication: matomo.js puts a random `r` (and a page view id) in
 * every hit, so the same parameters from the same address are a resent copy.
 */
function eventIdOf(params: WireParams, address: string): string {
  const canonical = Object.entries(params)
    .filter(([name]) => name !== 'token_auth')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return createHash('sha256').update(`${address}\n${canonical}`).digest('hex').slice(0, 32);
}
