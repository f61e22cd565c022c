import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthError, type HmacAuthConfig, verifyHmac } from '../../../src/auth/index.ts';
import { problemsOf } from '../rules/helpers.ts';

const now = 1_790_000_000;
const body = '{"id":"e1"}';
const paddleLike: HmacAuthConfig = {
  scheme: 'hmac',
  secrets: ['A', 'B'],
  header: 'X-Sig',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: '',
  parse: { separator: ';', timestamp: 'ts', signature: 'h1' },
  signed: '{timestamp}:{body}',
  tolerance: 300,
};
const sign = (key: string, data: string): string => createHmac('sha256', key).update(data).digest('hex');

function outcome(header: string, secrets: readonly string[], config = paddleLike): string {
  try {
    verifyHmac({ headers: { 'x-sig': header }, body: Buffer.from(body), secrets, now }, config);
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthError) return `${error.reason}: ${error.message}`;
    throw error;
  }
}

describe('hmac signature templates', () => {
  it('accepts any listed signature made with any active secret (rotation on both sides)', () => {
    const header = `ts=${now};h1=${sign('old', `${now}:${body}`)};h1=${sign('new', `${now}:${body}`)}`;
    expect(outcome(header, ['new'])).toBe('accepted');
    expect(outcome(header, ['old', 'other'])).toBe('accepted');
    expect(outcome(header, ['other'])).toBe('mismatch: X-Sig does not match the body');
  });

  it('signs exactly the template: a "." where ":" is expected does not match', () => {
    const header = `ts=${now};h1=${sign('k', `${now}.${body}`)}`;
    expect(outcome(header, ['k'])).toBe('mismatch: X-Sig does not match the body');
  });

  it('names what is missing from a parsed header', () => {
    expect(outcome(`h1=${sign('k', body)}`, ['k'])).toBe('malformed: X-Sig has no ts= timestamp');
    expect(outcome(`ts=${now}`, ['k'])).toBe('malformed: X-Sig has no h1= signature');
    expect(outcome(`ts=${now};garbage`, ['k'])).toBe('malformed: X-Sig is not a list of key=value pairs');
    expect(outcome(`ts=soon;h1=00`, ['k'])).toBe('malformed: X-Sig ts= must be a unix timestamp in seconds');
  });

  it('refuses a parsed timestamp outside the tolerance after the signature matched', () => {
    const old = now - 301;
    expect(outcome(`ts=${old};h1=${sign('k', `${old}:${body}`)}`, ['k'])).toBe(
      'expired: X-Sig ts= is outside the 300 s tolerance',
    );
  });

  it('reports template mistakes in the rule file at load time', () => {
    const file = (hmac: string): string[] =>
      problemsOf(`source: v\nauth: { hmac: { ${hmac} } }\nsite: 1\nrules: []\n`, 'rules/v.yaml');
    expect(file('secret: S, header: X, signed: "{ts}.{body}"').join('\n')).toContain(
      'expected only {body} and {timestamp} between braces',
    );
    expect(file('secret: S, header: X, signed: "v0:{timestamp}:{body}"').join('\n')).toContain(
      '{timestamp} needs timestampHeader or parse.timestamp',
    );
    expect(file('secret: S, secrets: [T], header: X').join('\n')).toContain(
      'expected exactly one of secret or secrets',
    );
  });
});
