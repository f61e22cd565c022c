import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { AuthError, verifyStripe } from '../../../src/auth/index.ts';

const stripe = new Stripe('sk_test_unused');
const secret = 'whsec_test_secret_for_unit_tests';
const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed' });
const now = 1_790_000_000;

function sign(opts: { timestamp?: number; payload?: string; secret?: string } = {}): string {
  return stripe.webhooks.generateTestHeaderString({
    payload: opts.payload ?? body,
    secret: opts.secret ?? secret,
    timestamp: opts.timestamp ?? now,
  });
}

function verify(header: string | undefined, raw = body, at = now): void {
  const headers = header === undefined ? {} : { 'stripe-signature': header };
  verifyStripe({ headers, body: Buffer.from(raw), secret, now: at }, 300);
}

function reason(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('verifyStripe', () => {
  it('accepts a signature made by the Stripe SDK', () => {
    expect(reason(() => verify(sign()))).toBe('accepted');
  });

  it('accepts when one of several v1 signatures matches (secret rotation)', () => {
    const good = sign();
    const other = sign({ secret: 'whsec_old' }).split(',')[1];
    expect(reason(() => verify(`${good},${other}`))).toBe('accepted');
    expect(reason(() => verify(`t=${now},${other},${good.split(',')[1]}`))).toBe('accepted');
  });

  it('rejects a tampered body', () => {
    expect(reason(() => verify(sign(), body.replace('evt_1', 'evt_2')))).toBe('mismatch');
  });

  it('rejects a signature made with another secret', () => {
    expect(reason(() => verify(sign({ secret: 'whsec_other' })))).toBe('mismatch');
  });

  it('rejects a Stripe signature older than the tolerance', () => {
    expect(reason(() => verify(sign({ timestamp: now - 301 })))).toBe('expired');
    expect(reason(() => verify(sign({ timestamp: now - 300 })))).toBe('accepted');
  });

  it('rejects a Stripe signature from too far in the future', () => {
    expect(reason(() => verify(sign({ timestamp: now + 301 })))).toBe('expired');
  });

  it('rejects a missing header', () => {
    expect(reason(() => verify(undefined))).toBe('missing');
  });

  it.each([
    ['no timestamp', 'v1=abc'],
    ['no v1 signature', `t=${now},v0=abc`],
    ['not key=value', 'garbage'],
    ['a non-numeric timestamp', 't=soon,v1=abc'],
    ['two timestamps', `t=${now},t=${now},v1=abc`],
  ])('rejects a malformed header with %s', (_name, header) => {
    expect(reason(() => verify(header))).toBe('malformed');
  });

  it('never puts the secret or the expected signature in the message', () => {
    const header = sign({ secret: 'whsec_other' });
    try {
      verify(header);
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain(secret);
      expect(String(error)).not.toMatch(/[0-9a-f]{64}/);
    }
  });
});
