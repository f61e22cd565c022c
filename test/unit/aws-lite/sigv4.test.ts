import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SignableRequest, signRequest } from '../../../src/aws-lite/sigv4.ts';
import { sdkSigned } from '../../support/sdk-signer.ts';

const JSON_REQUEST: SignableRequest = {
  method: 'POST',
  path: '/',
  headers: {
    host: 'sqs.eu-west-1.amazonaws.com',
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'AmazonSQS.SendMessageBatch',
  },
  body: '{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/taglane","Entries":[]}',
};
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('the Signature Version 4 signer', () => {
  it('signs a JSON-protocol request exactly as the AWS SDK does', async () => {
    const date = new Date('2026-12-01T14:55:00.123Z');
    const ours = signRequest(JSON_REQUEST, {
      credentials: CREDENTIALS,
      service: 'sqs',
      region: 'eu-west-1',
      date,
    });
    const sdk = await sdkSigned(JSON_REQUEST, CREDENTIALS, 'sqs', 'eu-west-1', date);
    expect(ours.authorization).toBe(sdk.authorization);
    expect(ours.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261201\/eu-west-1\/sqs\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(ours['x-amz-date']).toBe('20261201T145500Z');
    expect(ours['x-amz-security-token']).toBeUndefined();
  });

  it('adds and signs the session token of temporary credentials', async () => {
    const date = new Date('2026-01-31T23:59:59Z');
    const credentials = { ...CREDENTIALS, sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////token+/=' };
    const ours = signRequest(JSON_REQUEST, { credentials, service: 'sqs', region: 'us-east-1', date });
    const sdk = await sdkSigned(JSON_REQUEST, credentials, 'sqs', 'us-east-1', date);
    expect(ours.authorization).toBe(sdk.authorization);
    expect(ours.authorization).toContain('x-amz-security-token');
    expect(ours['x-amz-security-token']).toBe(credentials.sessionToken);
  });

  it('gives a different signature for a different body, key or date', () => {
    const date = new Date('2026-12-01T00:00:00Z');
    const sign = (body: string, secretAccessKey: string, at: Date) =>
      signRequest(
        { ...JSON_REQUEST, body },
        { credentials: { ...CREDENTIALS, secretAccessKey }, service: 'sqs', region: 'eu-west-1', date: at },
      ).authorization;
    const base = sign('{}', 'k', date);
    expect(sign('{ }', 'k', date)).not.toBe(base);
    expect(sign('{}', 'k2', date)).not.toBe(base);
    expect(sign('{}', 'k', new Date('2026-12-01T00:00:01Z'))).not.toBe(base);
  });

  it('agrees with the AWS SDK signer over many varied requests', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    const headerValue = fc.stringMatching(/^[ \tA-Za-z0-9.,;:=+/_-]{0,30}$/);
    const request = fc.record({
      method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
      segments: fc.array(fc.oneof(text, fc.constantFrom('.', '..', '', 'a b', 'é/ü', "*!()'")), {
        maxLength: 5,
      }),
      trailingSlash: fc.boolean(),
      query: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_~.-]{1,8}$/), text, { maxKeys: 4 }),
      extraHeaders: fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,10}$/), headerValue, { maxKeys: 3 }),
      unsignable: fc.subarray(['user-agent', 'x-amzn-trace-id', 'connection', 'proxy-x', 'sec-x']),
      body: fc.oneof(text, fc.json(), fc.uint8Array({ maxLength: 64 })),
      service: fc.constantFrom('sqs', 'ssm', 'secretsmanager', 'dynamodb'),
      region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'cn-north-1', 'us-gov-west-1'),
      date: fc.date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2099-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      sessionToken: fc.option(fc.base64String({ minLength: 4, maxLength: 80 }), { nil: undefined }),
      secret: fc.string({ minLength: 1, maxLength: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const path = `/${r.segments.map(encodeURIComponent).join('/')}${r.trailingSlash ? '/' : ''}`;
        const headers: Record<string, string> = {
          host: `${r.service}.${r.region}.amazonaws.com`,
          'Content-Type': 'application/x-amz-json-1.1',
          ...r.extraHeaders,
          ...Object.fromEntries(r.unsignable.map((h) => [h, 'unsigned'])),
        };
        const signable: SignableRequest = { method: r.method, path, query: r.query, headers, body: r.body };
        const credentials = { accessKeyId: 'AKID', secretAccessKey: r.secret, sessionToken: r.sessionToken };
        const ours = signRequest(signable, {
          credentials,
          service: r.service,
          region: r.region,
          date: r.date,
        });
        const sdk = await sdkSigned(signable, credentials, r.service, r.region, r.date);
        expect(ours.authorization).toBe(sdk.authorization);
        expect(ours['x-amz-date']).toBe(sdk['x-amz-date']);
      }),
      { numRuns: 300 },
    );
  });
});
