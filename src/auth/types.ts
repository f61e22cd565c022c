/**
 * How a source authenticates its requests (the rule engine's `AuthConfig` is this type).
 * `secret`/`secrets` are secret NAMES; values are resolved by the caller.
 */
export type WebhookAuthConfig =
  | { readonly scheme: 'stripe'; readonly secret: string; readonly tolerance: number }
  | { readonly scheme: 'github'; readonly secret: string }
  | { readonly scheme: 'shopify'; readonly secret: string }
  | { readonly scheme: 'standard-webhooks'; readonly secret: string; readonly tolerance: number }
  | HmacAuthConfig;

/** The generic HMAC scheme: any header, algorithm and encoding, optionally with a timestamp. */
export interface HmacAuthConfig {
  readonly scheme: 'hmac';
  readonly secret: string;
  readonly header: string;
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  readonly encoding: 'hex' | 'base64';
  /** Text before the signature in the header, e.g. `sha256=`; may be empty. */
  readonly prefix: string;
  /** When set, the signed payload is `"{timestamp}.{body}"` and the timestamp is checked. */
  readonly timestampHeader?: string;
  /** Allowed clock difference in seconds, both directions. */
  readonly tolerance: number;
}

/** API keys for `POST /events`; any of the named secrets is accepted. */
export interface ApiKeyAuthConfig {
  readonly scheme: 'api-key';
  readonly secrets: readonly string[];
}

/**
 * Segment's HTTP API (`POST /v1/*`): the write key is the Basic-auth user name (or the body's
 * `writeKey`); any of the named secrets is accepted, and it also picks the source.
 */
export interface SegmentAuthConfig {
  readonly scheme: 'segment';
  readonly secrets: readonly string[];
}

/** Schemes whose secrets are keys the sender presents (a list, for rotation). */
export type KeyAuthConfig = ApiKeyAuthConfig | SegmentAuthConfig;

/** Every authentication scheme a source can name. */
export type AuthConfig = WebhookAuthConfig | KeyAuthConfig;

/** Request headers with lower-cased names. */
export type Headers = Readonly<Record<string, string | undefined>>;

/** What a webhook verifier looks at. */
export interface SignedRequest {
  /** Lower-cased header names. */
  readonly headers: Headers;
  /** The exact bytes received; signatures are checked over these, never over re-serialised JSON. */
  readonly body: Buffer;
  /** The secret VALUE (already resolved from its name). */
  readonly secret: string;
  /** Current time in unix seconds. */
  readonly now: number;
}
