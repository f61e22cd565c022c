import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthError, type HmacAuthConfig, verifyHmac } from '../../../src/auth/index.ts';

const secret = 'generic-hmac-secret';
const body = '{"event":"signup","id":"s1"}';
const now = 1_790_000_000;

const plain: HmacAuthConfig = {
  scheme: 'hmac',
  secrets: ['HMAC_SECRET'],
  header: 'X-Signature',
  signed: '{body}',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  tolerance: 300,
};
const timed: HmacAuthConfig = {
  ...plain,
  algorithm: 'sha512',
  encoding: 'base64',
  prefix: '',
  timestampHeader: 'X-Timestamp',
  signed: '{timestamp}.{body}',
};

function reason(config: HmacAuthConfig, headers: Record<string, string>, raw = body): string {
  try {
    verifyHmac({ headers, body: Buffer.from(raw), secrets: [secret], now }, config);
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
}

function timedHeaders(at: number, raw = body, key = secret): Record<string, string> {
  const digest = createHmac('sha512', key).update(`${at}.${raw}`).digest('base64');
  return { 'x-signature': digest, 'x-timestamp': String(at) };
}

describe('verifyHmac', () => {
  const plainHeader = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  it('accepts a prefixed hex HMAC of the body', () => {
    expect(reason(plain, { 'x-signature': plainHeader })).toBe('accepted');
  });

  it('accepts a base64 HMAC over "{timestamp}.{body}" with sha512', () => {
    expect(reason(timed, timedHeaders(now))).toBe('accepted');
  });

  it('rejects a tampered body', () => {
    expect(reason(plain, { 'x-signature': plainHeader }, `${body} `)).toBe('mismatch');
    expect(reason(timed, timedHeaders(now), `${body} `)).toBe('mismatch');
  });

  it('rejects another secret', () => {
    expect(reason(timed, timedHeaders(now, body, 'other'))).toBe('mismatch');
  });

  it('rejects a timestamp outside the tolerance, past and future', () => {
    expect(reason(timed, timedHeaders(now - 301))).toBe('expired');
    expect(reason(timed, timedHeaders(now + 301))).toBe('expired');
  });

  it('rejects a changed timestamp, which is part of the signed payload', () => {
    expect(reason(timed, { ...timedHeaders(now), 'x-timestamp': String(now - 1) })).toBe('mismatch');
  });

  it('rejects missing signature and timestamp headers', () => {
    expect(reason(plain, {})).toBe('missing');
    expect(reason(timed, { 'x-signature': timedHeaders(now)['x-signature'] ?? '' })).toBe('missing');
  });

  it('rejects a header without the configured prefix or with a bad timestamp', () => {
    expect(reason(plain, { 'x-signature': plainHeader.slice(7) })).toBe('malformed');
    expect(reason(timed, { ...timedHeaders(now), 'x-timestamp': 'yesterday' })).toBe('malformed');
  });
});
