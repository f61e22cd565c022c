import { checkTimestamp, hmac, matchesAny, requireHeader } from './crypto.ts';
import { AuthError } from './errors.ts';
import type { SignedRequest } from './types.ts';

/**
 * Verifies a Standard Webhooks request (standardwebhooks.com, used by Svix, Resend, Clerk...):
 * `webhook-signature` is a space-separated list of `v1,<base64>`, each HMAC-SHA256 over
 * `"{webhook-id}.{webhook-timestamp}.{raw body}"` keyed with the base64-decoded secret
 * (`whsec_` prefix optional). Any listed signature may match; the timestamp must be within
 * `tolerance` seconds of now in either direction.
 *
 * @throws AuthError when a header is missing or malformed, nothing matches, or the time is off.
 */
export function verifyStandardWebhook(request: SignedRequest, tolerance: number): void {
  const id = requireHeader(request.headers, 'webhook-id');
  const timestamp = requireHeader(request.headers, 'webhook-timestamp');
  const header = requireHeader(request.headers, 'webhook-signature');
  const signatures: string[] = [];
  for (const item of header.split(' ')) {
    if (item === '') continue;
    const comma = item.indexOf(',');
    if (comma <= 0) throw new AuthError('malformed', 'webhook-signature entries must be version,signature');
    if (item.slice(0, comma) === 'v1') signatures.push(item.slice(comma + 1));
  }
  if (signatures.length === 0) throw new AuthError('malformed', 'webhook-signature has no v1 signature');
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new AuthError('malformed', 'webhook-timestamp must be a unix timestamp in seconds');
  }
  const key = Buffer.from(request.secret.replace(/^whsec_/, ''), 'base64');
  const expected = hmac('sha256', key, [`${id}.${timestamp}.`, request.body]).toString('base64');
  if (!matchesAny(signatures, expected)) {
    throw new AuthError('mismatch', 'webhook-signature does not match the body');
  }
  checkTimestamp(timestamp, 'webhook-timestamp', request.now, tolerance);
}
