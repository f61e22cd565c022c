import { describe, expect, it } from 'vitest';
import { ConfigurationError, PayloadTooLargeError, problemResponse } from '../../../src/ingest/index.ts';
import { matchRoute } from '../../../src/ingest/routes.ts';

describe('problemResponse', () => {
  it('turns an unknown error into a bare 500 without its message', () => {
    const res = problemResponse(
      new Error('connect to db with password hunter2 failed'),
      'urn:taglane:request:r1',
    );
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toEqual({
      type: 'urn:taglane:problem:internal',
      title: 'Internal error',
      status: 500,
      detail: 'Internal error',
      instance: 'urn:taglane:request:r1',
    });
  });

  it('hides the detail of an unexposed error but keeps its type', () => {
    const res = problemResponse(
      new ConfigurationError('the secret STRIPE_WEBHOOK_SECRET is not configured'),
      'i',
    );
    expect(res.body).not.toContain('STRIPE_WEBHOOK_SECRET');
    expect(JSON.parse(res.body)).toMatchObject({ type: 'urn:taglane:problem:misconfigured', status: 500 });
  });

  it('shows the detail of an exposed error and omits empty issues', () => {
    const body = JSON.parse(problemResponse(new PayloadTooLargeError('too big'), 'i').body);
    expect(body).toMatchObject({ status: 413, detail: 'too big' });
    expect(body).not.toHaveProperty('issues');
  });
});

describe('matchRoute', () => {
  it('ignores a trailing slash and decodes the source segment', () => {
    expect(matchRoute('post', '/events/', undefined)).toEqual({ kind: 'events' });
    expect(matchRoute('POST', '/webhooks/my%2Dshop', undefined)).toEqual({
      kind: 'webhook',
      source: 'my-shop',
    });
  });

  it('prefers the path parameter API Gateway extracted', () => {
    expect(matchRoute('POST', '/webhooks/x', { source: 'stripe' })).toEqual({
      kind: 'webhook',
      source: 'stripe',
    });
  });

  it("routes the tracker's first-party paths, and /matomo.php whatever they are", () => {
    const paths = ['/matomo.php', '/t/collect'];
    expect(matchRoute('GET', '/t/collect', undefined, paths)).toEqual({ kind: 'matomo-tracker' });
    expect(matchRoute('OPTIONS', '/t/collect/', undefined, paths)).toEqual({ kind: 'matomo-tracker' });
    expect(matchRoute('POST', '/matomo.php', undefined, ['/t/collect'])).toEqual({ kind: 'matomo-tracker' });
    expect(() => matchRoute('GET', '/t/collect', undefined)).toThrow(/no route/);
    expect(() => matchRoute('DELETE', '/t/collect', undefined, paths)).toThrow(/not allowed/i);
  });

  it('does not treat deeper paths as webhooks', () => {
    expect(() => matchRoute('POST', '/webhooks/a/b', undefined)).toThrow(/no route/);
  });
});
