import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors.ts';

/**
 * Constant-time equality of two byte strings. Unequal lengths still cost one comparison so
 * the length of the expected value does not leak through an early return.
 */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** True when `candidate` equals any of `expected`, each compared in constant time. */
export function matchesAny(candidates: readonly string[], expected: string): boolean {
  const want = Buffer.from(expected, 'utf8');
  let found = false;
  // No early exit: every candidate is compared, so timing does not reveal which one matched.
  for (const candidate of candidates) {
    if (safeEqual(Buffer.from(candidate, 'utf8'), want)) found = true;
  }
  return found;
}

/** HMAC of the concatenated parts (strings as UTF-8, buffers as-is). */
export function hmac(
  algorithm: 'sha1' | 'sha256' | 'sha512',
  key: string | Buffer,
  parts: readonly (string | Buffer)[],
): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Parses a unix-seconds timestamp header and checks it against `now` in both directions:
 * a replayed old request and one from a clock far in the future are both refused.
 */
export function checkTimestamp(value: string, header: string, now: number, tolerance: number): number {
  if (!/^\d{1,12}$/.test(value)) {
    throw new AuthError('malformed', `${header} must be a unix timestamp in seconds`);
  }
  const timestamp = Number(value);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new AuthError('expired', `${header} is outside the ${tolerance} s tolerance`);
  }
  return timestamp;
}

/** The header's value, or an `AuthError('missing')` naming it. */
export function requireHeader(headers: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = headers[name.toLowerCase()];
  if (value === undefined || value.trim() === '') {
    throw new AuthError('missing', `the ${name} header is missing`);
  }
  return value.trim();
}
