import { describe, expect, it } from 'vitest';
import { Redactor, redactorFor } from '../../../../src/local/debugger/redact.ts';
import { compileRuleSet } from '../../../../src/rules/index.ts';

const HMAC_RULES = `
source: billing
auth:
  hmac: { secret: BILLING_SECRET, header: X-Billing-Check, algorithm: sha256, encoding: hex }
site: 1
visitor: { key: '{% who %}' }
rules:
  - name: any
    track: [{ event: { category: c, action: a } }]
`;

describe('Redactor', () => {
  it('hides authentication and signature headers by name, whatever their value', () => {
    const redactor = new Redactor({ secrets: {} });
    const shown = redactor.headers({
      authorization: 'Bearer abc',
      'x-api-key': 'k',
      'stripe-signature': 't=1,v1=ab',
      'x-hub-signature-256': 'sha256=ab',
      'x-shopify-hmac-sha256': 'ab',
      'webhook-signature': 'v1,ab',
      cookie: 'a=b',
      'content-type': 'application/json',
    });
    expect(shown).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      'stripe-signature': '[redacted]',
      'x-hub-signature-256': '[redacted]',
      'x-shopify-hmac-sha256': '[redacted]',
      'webhook-signature': '[redacted]',
      cookie: '[redacted]',
      'content-type': 'application/json',
    });
  });

  it('hides every secret value in text, naming the secret, the longest first', () => {
    const redactor = new Redactor({ secrets: { SHORT: 'abcdef', LONG: 'abcdef123456', UNSET: undefined } });
    expect(redactor.text('x abcdef123456 y abcdef z')).toBe('x [redacted LONG] y [redacted SHORT] z');
    expect(redactor.headers({ 'x-forwarded-note': 'key abcdef' })).toEqual({
      'x-forwarded-note': 'key [redacted SHORT]',
    });
  });

  it('tells whether a list of texts holds no secret value at all', () => {
    const redactor = new Redactor({ secrets: { TAGLANE_API_KEY: 'key-123456' } });
    expect(redactor.hidesNone(['Home', 'https://x.example/', 'key-12345'])).toBe(true);
    expect(redactor.hidesNone(['Home', 'see key-123456 here'])).toBe(false);
    expect(new Redactor({ secrets: {} }).hidesNone(['key-123456'])).toBe(true);
  });

  it("hides an hmac source's own signature header and the secrets the rule set names", () => {
    const ruleSet = compileRuleSet([{ path: 'billing.yaml', text: HMAC_RULES }]);
    const redactor = redactorFor(ruleSet, {
      BILLING_SECRET: 'billing-secret-value',
      MATOMO_TOKEN: 'matomo-token-1',
      OTHER: 'other-value',
    });
    expect(redactor.headers({ 'x-billing-check': '00ff', accept: '*/*' })).toEqual({
      'x-billing-check': '[redacted]',
      accept: '*/*',
    });
    expect(redactor.text('billing-secret-value matomo-token-1 other-value')).toBe(
      '[redacted BILLING_SECRET] [redacted MATOMO_TOKEN] other-value',
    );
  });
});
