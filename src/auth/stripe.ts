import { checkTimestamp, hmac, matchesAny, requireHeader } from './crypto.ts';
import { AuthError } from './errors.ts';
import type { SignedRequest } from './types.ts';

const HEADER = 'Stripe-Signature';

/**
 * Verifies a Stripe webhook: `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=<hex>...]`, where each
 * `v1` is HMAC-SHA256 over `"{t}.{raw body}"` keyed with the endpoint secret (`whsec_...`,
 * used as-is). Several `v1` values are allowed (Stripe sends one per active secret during a
 * rotation); any match passes. The timestamp must be within `tolerance` seconds of now.
 *
 * @throws AuthError when the header is missing, malformed, does not match or is too old/new.
 */
export function verifyStripe(request: SignedRequest, tolerance: number): void {
  const header = requireHeader(request.headers, HEADER);
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new AuthError('malformed', `${HEADER} is not a list of key=value pairs`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined) throw new AuthError('malformed', `${HEADER} has more than one t=`);
      timestamp = value;
    } else if (key === 'v1') {
      signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === undefined) throw new AuthError('malformed', `${HEADER} has no t= timestamp`);
  if (signatures.length === 0) throw new AuthError('malformed', `${HEADER} has no v1= signature`);
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new AuthError('malformed', `${HEADER} t= must be a unix timestamp in seconds`);
  }
  const expected = hmac('sha256', request.secret, [`${timestamp}.`, request.body]).toString('hex');
  if (!matchesAny(signatures, expected)) {
    throw new AuthError('mismatch', `${HEADER} does not match the body`);
  }
  checkTimestamp(timestamp, `${HEADER} t=`, request.now, tolerance);
}
