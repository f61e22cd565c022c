import { verifyGithub } from './github.ts';
import { verifyHmac } from './hmac.ts';
import { verifyShopify } from './shopify.ts';
import { verifyStandardWebhook } from './standard-webhooks.ts';
import { verifyStripe } from './stripe.ts';
import type { SignedRequest, WebhookAuthConfig } from './types.ts';

export { presentedApiKey, verifyApiKey } from './api-key.ts';
export { safeEqual } from './crypto.ts';
export { AuthError, type AuthFailure } from './errors.ts';
export { verifyGithub } from './github.ts';
export { type HmacRequest, verifyHmac } from './hmac.ts';
export { verifyShopify } from './shopify.ts';
export { verifyStandardWebhook } from './standard-webhooks.ts';
export { verifyStripe } from './stripe.ts';
export type {
  ApiKeyAuthConfig,
  AuthConfig,
  Headers,
  HmacAuthConfig,
  HmacHeaderFields,
  KeyAuthConfig,
  SegmentAuthConfig,
  SignedRequest,
  WebhookAuthConfig,
} from './types.ts';

/**
 * Verifies a webhook with the scheme its source's rule file names.
 *
 * @throws AuthError with the reason when the request is not authentic.
 * @example
 * verifyWebhook({ scheme: 'github', secret: 'GITHUB_WEBHOOK_SECRET' }, { headers, body, secret, now });
 */
export function verifyWebhook(config: WebhookAuthConfig, request: SignedRequest): void {
  switch (config.scheme) {
    case 'stripe':
      verifyStripe(request, config.tolerance);
      return;
    case 'github':
      verifyGithub(request);
      return;
    case 'shopify':
      verifyShopify(request);
      return;
    case 'standard-webhooks':
      verifyStandardWebhook(request, config.tolerance);
      return;
    case 'hmac':
      verifyHmac({ ...request, secrets: [request.secret] }, config);
      return;
    default: {
      const unknown: never = config;
      throw new Error(`unknown auth scheme ${JSON.stringify(unknown)}`);
    }
  }
}
