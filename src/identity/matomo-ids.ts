import { createHash, createHmac, randomBytes } from 'node:crypto';

/** The stored form of a visitor key: HMAC-SHA256 with a deployment secret, as hex. */
export function hashVisitorKey(key: string, secret: string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

/** A random 16-hex visitor id, the shape Matomo requires for `cid`. */
export function randomVisitorId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * The visitor id Matomo gives a visit once it sees `uid` (`enable_userid_overwrites_visitorid=1`,
 * the default): the first 16 hex characters of sha1(uid) (core/Tracker/Request.php).
 */
export function userVisitorId(uid: string): string {
  return createHash('sha1').update(uid).digest('hex').slice(0, 16);
}

/**
 * A per-person address for Matomo's fingerprint, for requests that carry no IP of their own.
 *
 * Matomo falls back to the fingerprint (IP, User-Agent, language, site) when a `uid` request
 * finds no visit by id, and a server-side sender gives every person the same one, so a person's
 * first identified request would join whoever else was active. An address from IPv6's
 * documentation prefix (2001:db8::/32, RFC 3849) keeps people apart without pretending to be
 * anyone: no geolocation database places it, so Locations shows "Unknown", as without it.
 * The 64 bits of the person's seed follow the prefix, so masks of up to /96 keep them apart.
 */
export function syntheticIp(seed: string): string {
  const groups = (seed.match(/.{1,4}/g) ?? []).map((g) => g.replace(/^0+(?=.)/, ''));
  return `2001:db8:${groups.join(':')}::`;
}
