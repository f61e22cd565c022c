import { checkTimestamp, hmac, matchesAny, requireHeader } from './crypto.ts';
import { AuthError } from './errors.ts';
import type { HmacAuthConfig, SignedRequest } from './types.ts';

/**
 * Verifies the generic HMAC scheme for senders with no dedicated verifier: the header named in
 * the rule file holds `prefix` + the digest (`hex` or `base64`) of the raw body, or of
 * `"{timestamp}.{raw body}"` when a timestamp header is configured; that timestamp (unix
 * seconds) must be within `tolerance` seconds of now.
 *
 * @throws AuthError when a header is missing or malformed, the digest differs or the time is off.
 */
export function verifyHmac(request: SignedRequest, config: HmacAuthConfig): void {
  const header = requireHeader(request.headers, config.header);
  if (!header.startsWith(config.prefix)) {
    throw new AuthError('malformed', `${config.header} must start with ${JSON.stringify(config.prefix)}`);
  }
  const given = header.slice(config.prefix.length);
  const parts: (string | Buffer)[] = [request.body];
  let timestamp: string | undefined;
  if (config.timestampHeader !== undefined) {
    timestamp = requireHeader(request.headers, config.timestampHeader);
    if (!/^\d{1,12}$/.test(timestamp)) {
      throw new AuthError('malformed', `${config.timestampHeader} must be a unix timestamp in seconds`);
    }
    parts.unshift(`${timestamp}.`);
  }
  const digest = hmac(config.algorithm, request.secret, parts);
  const matches =
    config.encoding === 'hex'
      ? matchesAny([given.toLowerCase()], digest.toString('hex'))
      : matchesAny([given], digest.toString('base64'));
  if (!matches) throw new AuthError('mismatch', `${config.header} does not match the body`);
  if (config.timestampHeader !== undefined && timestamp !== undefined) {
    checkTimestamp(timestamp, config.timestampHeader, request.now, config.tolerance);
  }
}
