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

/**
 * The generic HMAC scheme, a signature template: which bytes are signed (`signed`, e.g.
 * `"v0:{timestamp}:{body}"`), where the signature and timestamp are (a header each, or both
 * parsed from one header like `ts=...;h1=...`), the algorithm and encoding, a tolerance, and
 * several secrets at once so a rotation needs no downtime.
 */
export interface HmacAuthConfig {
  readonly scheme: 'hmac';
  /** Secret NAMES; a signature made with any of them passes. */
  readonly secrets: readonly string[];
  /** The header holding the signature (or, with `parse`, the signature and timestamp). */
  readonly header: string;
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  readonly encoding: 'hex' | 'base64';
  /** Text before each signature value, e.g. `sha256=` or `v0=`; may be empty. */
  readonly prefix: string;
  /** The header holding the unix-seconds timestamp, when it has one of its own. */
  readonly timestampHeader?: string;
  /** `header` is a list of `key=value` pairs: these keys hold the timestamp and signature(s). */
  readonly parse?: HmacHeaderFields;
  /** The signed bytes: `{body}` is the raw body, `{timestamp}` the timestamp, the rest literal. */
  readonly signed: string;
  /** Allowed clock difference in seconds, both directions (when there is a timestamp). */
  readonly tolerance: number;
}

/** How to read a signature header made of `key=value` pairs (Paddle's `ts=...;h1=...`). */
export interface HmacHeaderFields {
  /** Between pairs, e.g. `;` or `,`. */
  readonly separator: string;
  /** The key of the timestamp, e.g. `ts`. */
  readonly timestamp?: string;
  /** The key of a signature, e.g. `h1`; it may appear several times (one per active secret). */
  readonly signature: string;
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
