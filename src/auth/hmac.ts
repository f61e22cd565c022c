import { checkTimestamp, hmac, matchesAny, requireHeader } from './crypto.ts';
import { AuthError } from './errors.ts';
import type { HmacAuthConfig, SignedRequest } from './types.ts';

/** What the HMAC scheme looks at: the request, with the VALUES of every active secret. */
export type HmacRequest = Omit<SignedRequest, 'secret'> & { readonly secrets: readonly string[] };

/**
 * Verifies a request against a signature template: reads the signature(s) and the timestamp
 * (from their headers, or parsed from one `key=value` header), builds the signed bytes from
 * `config.signed` with the exact raw body, and accepts a match with any active secret. Every
 * secret and every signature is compared, in constant time, with no early exit. The timestamp,
 * when there is one, must be within `tolerance` seconds of now.
 *
 * @throws AuthError when a header is missing or malformed, nothing matches or the time is off.
 * @example
 * // Slack: X-Slack-Signature: v0=<hex of HMAC-SHA256("v0:{timestamp}:{body}")>
 * verifyHmac(request, { scheme: 'hmac', secrets: ['SLACK_SIGNING_SECRET'], header: 'X-Slack-Signature',
 *   prefix: 'v0=', timestampHeader: 'X-Slack-Request-Timestamp', signed: 'v0:{timestamp}:{body}', ... });
 */
export function verifyHmac(request: HmacRequest, config: HmacAuthConfig): void {
  const { signatures, timestamp, where } = readSignature(request.headers, config);
  const given = signatures.map((s) => (config.encoding === 'hex' ? s.toLowerCase() : s));
  let matched = false;
  for (const secret of request.secrets) {
    const digest = hmac(config.algorithm, secret, signedParts(config.signed, timestamp, request.body));
    if (matchesAny(given, digest.toString(config.encoding))) matched = true;
  }
  if (!matched) throw new AuthError('mismatch', `${config.header} does not match the body`);
  if (timestamp !== undefined) checkTimestamp(timestamp, where, request.now, config.tolerance);
}

function readSignature(
  headers: HmacRequest['headers'],
  config: HmacAuthConfig,
): { signatures: string[]; timestamp: string | undefined; where: string } {
  const header = requireHeader(headers, config.header);
  let values = [header];
  let timestamp: string | undefined;
  let where = config.timestampHeader ?? config.header;
  if (config.parse) {
    const fields = config.parse;
    values = [];
    for (const item of header.split(fields.separator)) {
      const eq = item.indexOf('=');
      if (eq <= 0) throw new AuthError('malformed', `${config.header} is not a list of key=value pairs`);
      const key = item.slice(0, eq).trim();
      const value = item.slice(eq + 1).trim();
      if (key === fields.signature) values.push(value);
      if (key === fields.timestamp) {
        if (timestamp !== undefined)
          throw new AuthError('malformed', `${config.header} has more than one ${key}=`);
        timestamp = value;
      }
    }
    if (values.length === 0)
      throw new AuthError('malformed', `${config.header} has no ${fields.signature}= signature`);
    if (fields.timestamp !== undefined) {
      where = `${config.header} ${fields.timestamp}=`;
      if (timestamp === undefined)
        throw new AuthError('malformed', `${config.header} has no ${fields.timestamp}= timestamp`);
    }
  }
  if (config.timestampHeader !== undefined) timestamp = requireHeader(headers, config.timestampHeader);
  if (timestamp !== undefined && !/^\d{1,12}$/.test(timestamp)) {
    throw new AuthError('malformed', `${where} must be a unix timestamp in seconds`);
  }
  const signatures = values.map((value) => {
    if (!value.startsWith(config.prefix)) {
      throw new AuthError('malformed', `${config.header} must start with ${JSON.stringify(config.prefix)}`);
    }
    return value.slice(config.prefix.length);
  });
  return { signatures, timestamp, where };
}

/** The template's pieces with `{timestamp}` filled in and the raw body as bytes, never re-encoded. */
function signedParts(template: string, timestamp: string | undefined, body: Buffer): (string | Buffer)[] {
  const parts: (string | Buffer)[] = [];
  for (const [i, piece] of template.split('{body}').entries()) {
    if (i > 0) parts.push(body);
    if (piece !== '') parts.push(piece.replaceAll('{timestamp}', timestamp ?? ''));
  }
  return parts;
}
