/** Why a request failed authentication; also the `reason` dimension of the rejection metric. */
export type AuthFailure = 'missing' | 'malformed' | 'mismatch' | 'expired';

/**
 * A request could not be authenticated: a signature or API key is missing, malformed, does not
 * match, or its timestamp is outside the tolerance. The message names the header and the
 * problem, never a secret or a computed signature, so it is safe to return to the sender.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly reason: AuthFailure;

  constructor(reason: AuthFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}
