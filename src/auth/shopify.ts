import { hmac, matchesAny, requireHeader } from './crypto.ts';
import { AuthError } from './errors.ts';
import type { SignedRequest } from './types.ts';

const HEADER = 'X-Shopify-Hmac-Sha256';

/**
 * Verifies a Shopify webhook: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw
 * body keyed with the app's client secret. Shopify signs no timestamp and not
 * `X-Shopify-Webhook-Id`: replays are caught by the request ids derived from the body's hash.
 *
 * @throws AuthError when the header is missing, malformed or does not match.
 */
export function verifyShopify(request: SignedRequest): void {
  const header = requireHeader(request.headers, HEADER);
  if (!/^[A-Za-z0-9+/]{43}=$/.test(header)) {
    throw new AuthError('malformed', `${HEADER} must be a base64 SHA-256 digest`);
  }
  const expected = hmac('sha256', request.secret, [request.body]).toString('base64');
  if (!matchesAny([header], expected)) {
    throw new AuthError('mismatch', `${HEADER} does not match the body`);
  }
}
