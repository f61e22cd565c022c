import { hmac, matchesAny, requireHeader } from './crypto.ts';
import { AuthError } from './errors.ts';
import type { SignedRequest } from './types.ts';

const HEADER = 'X-Hub-Signature-256';

/**
 * Verifies a GitHub webhook: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body
 * keyed with the webhook secret. GitHub signs no timestamp and not `X-GitHub-Delivery`: replays
 * are caught downstream by the request ids derived from the hash of the signed body.
 *
 * @throws AuthError when the header is missing, malformed or does not match.
 */
export function verifyGithub(request: SignedRequest): void {
  const header = requireHeader(request.headers, HEADER);
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header);
  if (!match?.[1]) throw new AuthError('malformed', `${HEADER} must be sha256= followed by 64 hex digits`);
  const expected = hmac('sha256', request.secret, [request.body]).toString('hex');
  if (!matchesAny([match[1].toLowerCase()], expected)) {
    throw new AuthError('mismatch', `${HEADER} does not match the body`);
  }
}
