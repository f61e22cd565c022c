import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { AuthError, verifyGithub } from '../../../src/auth/index.ts';

const secret = 'github-unit-secret';
const body = JSON.stringify({ action: 'opened', number: 1 });

async function reason(header: string | undefined, raw = body): Promise<string> {
  const headers = header === undefined ? {} : { 'x-hub-signature-256': header };
  try {
    verifyGithub({ headers, body: Buffer.from(raw), secret, now: 0 });
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
}

describe('verifyGithub', () => {
  it('accepts a signature made by @octokit/webhooks-methods', async () => {
    expect(await reason(await sign(secret, body))).toBe('accepted');
  });

  it('accepts upper-case hex digits', async () => {
    const signature = await sign(secret, body);
    expect(await reason(`sha256=${signature.slice(7).toUpperCase()}`)).toBe('accepted');
  });

  it('verifies over the raw bytes, so re-serialised JSON with other spacing fails', async () => {
    const spaced = JSON.stringify(JSON.parse(body), null, 2);
    expect(await reason(await sign(secret, spaced), body)).toBe('mismatch');
    expect(await reason(await sign(secret, spaced), spaced)).toBe('accepted');
  });

  it('rejects a tampered body', async () => {
    expect(await reason(await sign(secret, body), body.replace('1', '2'))).toBe('mismatch');
  });

  it('rejects a signature made with another secret', async () => {
    expect(await reason(await sign('other', body))).toBe('mismatch');
  });

  it('rejects a missing header', async () => {
    expect(await reason(undefined)).toBe('missing');
  });

  it.each([
    ['the sha1 form', `sha1=${'a'.repeat(40)}`],
    ['a short digest', 'sha256=abcd'],
    ['no prefix', 'a'.repeat(64)],
  ])('rejects a malformed header: %s', async (_name, header) => {
    expect(await reason(header)).toBe('malformed');
  });
});
