import { describe, expect, it } from 'vitest';
import { ingest } from '../../../src/ingest/index.ts';
import { apiKeyHeaders, example, harness, secrets } from './harness.ts';
import { sinks } from './sinks.ts';

describe('ingest logs and metrics', () => {
  it('counts received, matched, ignored and queued requests by source', async () => {
    const h = await harness();
    const s = sinks();
    const body = Buffer.from(`[${example('app', 'signup')}, ${example('app', 'newsletter-opened')}]`);
    await ingest(
      { method: 'POST', path: '/events', query: {}, headers: apiKeyHeaders(), body, requestId: 'r1' },
      { ...h.deps, logger: s.logger, metrics: s.metrics },
    );
    expect(s.counts).toEqual([
      { name: 'received', value: 1, dimensions: undefined },
      { name: 'matched', value: 1, dimensions: { source: 'app' } },
      { name: 'ignored', value: 1, dimensions: { source: 'app' } },
      { name: 'requestsQueued', value: 1, dimensions: { source: 'app' } },
    ]);
    expect(s.lines).toEqual([expect.objectContaining({ level: 'info', message: 'event accepted' })]);
  });

  it('counts a rejection by reason and logs it without the key or the body', async () => {
    const h = await harness();
    const s = sinks();
    const body = example('app', 'signup');
    const headers = apiKeyHeaders({ 'x-api-key': `${secrets.TAGLANE_API_KEY}x` });
    await ingest(
      { method: 'POST', path: '/events', query: {}, headers, body, requestId: 'r2' },
      { ...h.deps, logger: s.logger, metrics: s.metrics },
    );
    expect(s.counts).toContainEqual({ name: 'rejected', value: 1, dimensions: { reason: 'auth-mismatch' } });
    expect(s.lines).toHaveLength(1);
    expect(s.lines[0]?.level).toBe('warn');
    const logged = JSON.stringify(s.lines);
    expect(logged).not.toContain(secrets.TAGLANE_API_KEY);
    expect(logged).not.toContain('user_8842');
  });
});
