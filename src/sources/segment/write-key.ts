import { AuthError } from '../../auth/errors.ts';
import { safeEqual } from '../../auth/index.ts';
import { ConfigurationError, NotFoundError, UnauthorizedError } from '../../ingest/errors.ts';
import type { CompiledSource, RuleSet } from '../../rules/index.ts';
import type { SecretSource } from '../../secrets/secrets.ts';

/** Sent with every 401, so a client knows to present the write key as a Basic-auth user name. */
const CHALLENGE = { 'www-authenticate': 'Basic realm="taglane"' } as const;

/**
 * The write key a Segment request presents: the user name of `Authorization: Basic` (Segment's
 * and RudderStack's SDKs send `base64(writeKey + ":")`), else the body's `writeKey`.
 *
 * @throws AuthError('malformed') for another Authorization scheme or an empty user name,
 *   ('missing') when neither is present.
 */
export function presentedWriteKey(authorization: string | undefined, body: unknown): string {
  const header = authorization?.trim();
  if (header) {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    if (user === '') {
      throw new AuthError('malformed', 'Authorization must be "Basic base64(<write key>:)"');
    }
    return user;
  }
  const inBody = isObject(body) ? body.writeKey : undefined;
  if (typeof inBody === 'string' && inBody !== '') return inBody;
  throw new AuthError('missing', 'a write key is required: Authorization: Basic, or writeKey in the body');
}

/**
 * The Segment source whose write key the request presents. Every configured key of every
 * Segment source is compared in constant time (no early exit), so timing tells nothing about
 * which key matched or how many there are.
 *
 * @throws NotFoundError (404) when no rule file takes Segment's API; UnauthorizedError (401)
 *   for a missing or unknown write key; ConfigurationError (500) when no key is configured.
 */
export async function sourceForWriteKey(
  rules: RuleSet,
  secrets: SecretSource,
  authorization: string | undefined,
  body: unknown,
): Promise<CompiledSource> {
  const sources = [...rules.sources.values()].filter((s) => s.auth.scheme === 'segment');
  if (sources.length === 0) {
    throw new NotFoundError('unknown-source', "no rule file takes Segment's API (auth: segment)");
  }
  let presented: string;
  try {
    presented = presentedWriteKey(authorization, body);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    throw new UnauthorizedError(error.message, `auth-${error.reason}`, CHALLENGE, error);
  }
  const given = Buffer.from(presented, 'utf8');
  let found: CompiledSource | undefined;
  let configured = 0;
  for (const source of sources) {
    const names = source.auth.scheme === 'segment' ? source.auth.secrets : [];
    for (const name of names) {
      const value = await secrets.get(name);
      if (value === undefined || value === '') continue;
      configured += 1;
      if (safeEqual(given, Buffer.from(value, 'utf8')) && found === undefined) found = source;
    }
  }
  if (configured === 0) throw new ConfigurationError('no Segment write key secret is configured');
  if (found === undefined) {
    throw new UnauthorizedError('the write key is not valid', 'auth-mismatch', CHALLENGE);
  }
  return found;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
