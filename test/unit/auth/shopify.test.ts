import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthError, verifyShopify } from '../../../src/auth/index.ts';

const secret = 'shopify-client-secret';
const body = JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '10.00' });

// As Shopify documents it: base64 of HMAC-SHA256 of the raw body with the app's client secret.
function shopifySign(raw: string, key = secret): string {
  return createHmac('sha256', key).update(raw, 'utf8').digest('base64');
}

function reason(header: string | undefined, raw = body): string {
  const headers = header === undefined ? {} : { 'x-shopify-hmac-sha256': header };
  try {
    verifyShopify({ headers, body: Buffer.from(raw), secret, now: 0 });
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
}

describe('verifyShopify', () => {
  it('accepts the documented base64 HMAC-SHA256 of the body', () => {
    expect(reason(shopifySign(body))).toBe('accepted');
  });

  it('rejects a tampered body', () => {
    expect(reason(shopifySign(body), body.replace('10.00', '0.01'))).toBe('mismatch');
  });

  it('rejects a signature made with another secret', () => {
    expect(reason(shopifySign(body, 'other'))).toBe('mismatch');
  });

  it('rejects a missing header', () => {
    expect(reason(undefined)).toBe('missing');
  });

  it.each([
    ['hex instead of base64', createHmac('sha256', secret).update(body).digest('hex')],
    ['truncated base64', shopifySign(body).slice(0, 20)],
  ])('rejects a malformed header: %s', (_name, header) => {
    expect(reason(header)).toBe('malformed');
  });
});
