import { matchesAny } from './crypto.ts';
import { AuthError } from './errors.ts';
import type { Headers } from './types.ts';

/**
 * The API key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`.
 *
 * @throws AuthError('missing') when neither header is present, ('malformed') for another
 *   Authorization scheme or an empty key.
 */
export function presentedApiKey(headers: Headers): string {
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw new AuthError('malformed', 'Authorization must be "Bearer <key>"');
    return match[1];
  }
  const apiKey = headers['x-api-key']?.trim();
  if (apiKey) return apiKey;
  throw new AuthError('missing', 'an API key is required in Authorization: Bearer or x-api-key');
}

/**
 * Checks the presented API key against the configured key VALUES in constant time. Every key is
 * compared (no early exit), so timing reveals neither which key matched nor how many exist.
 *
 * @throws AuthError when no key is presented or none matches.
 */
export function verifyApiKey(headers: Headers, keys: readonly string[]): void {
  const presented = presentedApiKey(headers);
  let found = false;
  for (const key of keys) {
    if (matchesAny([presented], key)) found = true;
  }
  if (!found) throw new AuthError('mismatch', 'the API key is not valid');
}
