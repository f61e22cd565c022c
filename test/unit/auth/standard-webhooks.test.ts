import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { AuthError, verifyStandardWebhook } from '../../../src/auth/index.ts';

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const body = JSON.stringify({ type: 'user.created', data: { id: 'u_1' } });
const now = 1_790_000_000;
const msgId = 'msg_2Lh9KRb0pzN4LePd3XiA4v12Axj';

function headersFor(opts: { at?: number; key?: string; raw?: string } = {}): Record<string, string> {
  const at = opts.at ?? now;
  const signature = new Webhook(opts.key ?? secret).sign(msgId, new Date(at * 1000), opts.raw ?? body);
  return { 'webhook-id': msgId, 'webhook-timestamp': String(at), 'webhook-signature': signature };
}

function reason(headers: Record<string, string>, raw = body, key = secret): string {
  try {
    verifyStandardWebhook({ headers, body: Buffer.from(raw), secret: key, now }, 300);
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthError) return error.reason;
    throw error;
  }
}

describe('verifyStandardWebhook', () => {
  it('accepts a signature made by the standardwebhooks library', () => {
    expect(reason(headersFor())).toBe('accepted');
  });

  it('accepts a secret given without the whsec_ prefix', () => {
    expect(reason(headersFor(), body, secret.slice('whsec_'.length))).toBe('accepted');
  });

  it('accepts when any of several space-separated signatures matches', () => {
    const good = headersFor();
    const other = headersFor({ key: `whsec_${randomBytes(24).toString('base64')}` });
    const both = {
      ...good,
      'webhook-signature': `${other['webhook-signature']} ${good['webhook-signature']}`,
    };
    expect(reason(both)).toBe('accepted');
  });

  it('rejects a tampered body', () => {
    expect(reason(headersFor(), body.replace('u_1', 'u_2'))).toBe('mismatch');
  });

  it('rejects a changed webhook-id, which is part of the signed content', () => {
    expect(reason({ ...headersFor(), 'webhook-id': 'msg_other' })).toBe('mismatch');
  });

  it('rejects a signature made with another secret', () => {
    expect(reason(headersFor({ key: `whsec_${randomBytes(24).toString('base64')}` }))).toBe('mismatch');
  });

  it('rejects a timestamp outside the 5 minute tolerance, past and future', () => {
    expect(reason(headersFor({ at: now - 301 }))).toBe('expired');
    expect(reason(headersFor({ at: now + 301 }))).toBe('expired');
    expect(reason(headersFor({ at: now - 299 }))).toBe('accepted');
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('rejects a missing %s header', (name) => {
    const headers: Record<string, string> = { ...headersFor() };
    delete headers[name];
    expect(reason(headers)).toBe('missing');
  });

  it.each([
    ['a signature without version', { 'webhook-signature': 'abcdef' }],
    ['only v2 signatures', { 'webhook-signature': 'v2,abcdef' }],
    ['a non-numeric timestamp', { 'webhook-timestamp': '2026-11-26T10:00:00Z' }],
  ])('rejects a malformed header: %s', (_name, patch) => {
    expect(reason({ ...headersFor(), ...patch })).toBe('malformed');
  });
});
