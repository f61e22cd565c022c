import { createHash } from 'node:crypto';
import type { AuthConfig } from '../auth/index.ts';
import { RuleEvaluationError } from '../rules/errors.ts';
import type { CompiledSource } from '../rules/index.ts';
import { RuleFailedError } from './errors.ts';

/**
 * The vendor's own event id, when its signature covers it, so it stays the same when the vendor
 * retries AND when someone replays a captured delivery. GitHub and Shopify sign only the body:
 * their delivery id headers (`X-GitHub-Delivery`, `X-Shopify-Webhook-Id`) can be changed
 * freely, so those events are identified by the hash of the signed body instead (which their
 * retries repeat byte for byte).
 */
export function vendorEventId(
  auth: AuthConfig,
  headers: Readonly<Record<string, string | undefined>>,
  event: Readonly<Record<string, unknown>>,
  bodyHash: string,
): string | undefined {
  switch (auth.scheme) {
    case 'stripe':
      return typeof event.id === 'string' && event.id !== '' ? event.id : undefined;
    case 'github':
    case 'shopify':
      return bodyHash;
    case 'standard-webhooks':
      // Signed as "{webhook-id}.{timestamp}.{body}": a replay cannot change it.
      return nonEmpty(headers['webhook-id']);
    case 'hmac':
    case 'api-key':
    case 'segment':
      return undefined;
    default: {
      const unknown: never = auth;
      throw new Error(`unknown auth scheme ${JSON.stringify(unknown)}`);
    }
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** `sha256:<hex>` of the raw body: the identity of last resort, stable across retries of the same bytes. */
export function bodyHashId(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * An event's identity for dedupe, in order: the vendor's delivery id, the rule file's `id:`
 * (or the event's `id` field), the body hash. In an array each element without an id gets the
 * body hash plus `#<index>`, so re-sending the same array reproduces the same ids.
 */
export async function resolveEventId(
  source: CompiledSource,
  event: unknown,
  fallback: { vendorId: string | undefined; bodyHash: string; index: number | undefined },
): Promise<string> {
  if (fallback.vendorId !== undefined) return fallback.vendorId;
  let own: string | undefined;
  try {
    own = await source.eventId(event);
  } catch (error) {
    // An `id` the rules cannot use (an object, say) is the event's fault: 422, not 500.
    if (!(error instanceof RuleEvaluationError)) throw error;
    const path = fallback.index === undefined ? '$' : `$[${fallback.index}]`;
    throw new RuleFailedError([{ path, rule: error.rule, field: error.field, message: error.reason }], error);
  }
  if (own !== undefined && own !== '') return own;
  return fallback.index === undefined ? fallback.bodyHash : `${fallback.bodyHash}#${fallback.index}`;
}
