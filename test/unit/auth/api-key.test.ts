import { describe, expect, it } from 'vitest';
import { AuthError, verifyApiKey } from '../../../src/auth/index.ts';

const keys = ['key-one-0123456789', 'key-two-abcdefghij'];

function reason(headers: Record<string, string>): string {
  try {
    verifyApiKey(headers, keys);
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
}

describe('verifyApiKey', () => {
  it('accepts any configured key as a Bearer token or in x-api-key', () => {
    expect(reason({ authorization: 'Bearer key-one-0123456789' })).toBe('accepted');
    expect(reason({ authorization: 'bearer key-two-abcdefghij' })).toBe('accepted');
    expect(reason({ 'x-api-key': 'key-two-abcdefghij' })).toBe('accepted');
  });

  it('rejects a wrong key, a prefix of a key and a key with extra characters', () => {
    expect(reason({ 'x-api-key': 'nope' })).toBe('mismatch');
    expect(reason({ 'x-api-key': 'key-one' })).toBe('mismatch');
    expect(reason({ authorization: 'Bearer key-one-0123456789x' })).toBe('mismatch');
  });

  it('rejects a request without a key', () => {
    expect(reason({})).toBe('missing');
  });

  it('rejects another Authorization scheme', () => {
    expect(reason({ authorization: 'Basic a2V5OnZhbHVl' })).toBe('malformed');
  });

  it('rejects everything when no key is configured', () => {
    try {
      verifyApiKey({ 'x-api-key': 'anything' }, []);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AuthError);
    }
  });
});
