import { AuthError, verifyApiKey, verifyHmac, verifyWebhook } from '../auth/index.ts';
import type { CompiledSource } from '../rules/index.ts';
import type { SecretSource } from '../secrets/secrets.ts';
import { ConfigurationError, UnauthorizedError } from './errors.ts';
import type { IngestRequest } from './types.ts';

/**
 * Authenticates a request for `source` with the scheme its rule file names. Secret values are
 * looked up by name for this call only and never logged or put in an error.
 *
 * @throws UnauthorizedError (401) for a bad or missing key/signature;
 *   ConfigurationError (500) when the named secret is not configured at all.
 */
export async function authenticate(
  source: CompiledSource,
  request: IngestRequest,
  secrets: SecretSource,
  nowMs: number,
): Promise<void> {
  const auth = source.auth;
  try {
    if (auth.scheme === 'api-key') {
      verifyApiKey(request.headers, await configured(auth.secrets, secrets, 'API key secrets'));
      return;
    }
    if (auth.scheme === 'hmac') {
      // Several active secrets: a rotation adds the new one, then removes the old.
      const values = await configured(auth.secrets, secrets, 'HMAC secrets');
      verifyHmac(
        { headers: request.headers, body: request.body, secrets: values, now: Math.floor(nowMs / 1000) },
        auth,
      );
      return;
    }
    if (auth.scheme === 'segment') {
      // Routing sends Segment sources to src/sources/segment, which checks the write key itself.
      throw new ConfigurationError(`source ${source.name} takes Segment's API at /v1, not this route`);
    }
    const secret = await secrets.get(auth.secret);
    if (secret === undefined) throw new ConfigurationError(`the secret ${auth.secret} is not configured`);
    verifyWebhook(auth, {
      headers: request.headers,
      body: request.body,
      secret,
      now: Math.floor(nowMs / 1000),
    });
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const challenge: Record<string, string> =
      auth.scheme === 'api-key' ? { 'www-authenticate': 'Bearer realm="taglane"' } : {};
    throw new UnauthorizedError(error.message, `auth-${error.reason}`, challenge, error);
  }
}

/** The values of the named secrets that are configured; none at all is a deployment error. */
async function configured(names: readonly string[], secrets: SecretSource, what: string): Promise<string[]> {
  const values: string[] = [];
  for (const name of names) {
    const value = await secrets.get(name);
    if (value !== undefined) values.push(value);
  }
  if (values.length === 0)
    throw new ConfigurationError(`none of the ${what} ${names.join(', ')} is configured`);
  return values;
}
