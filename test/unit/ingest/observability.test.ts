import { describe, expect, it } from 'vitest';
import { type IngestLogger, type IngestMetrics, ingest } from '../../../src/ingest/index.ts';
import { apiKeyHeaders, example, harness, secrets } from './harness.ts';

/** Log and metric sinks that keep what they are given, as CloudWatch would. */
function sinks() {
  const lines: { level: string; message: string; attributes: unknown }[] = [];
  const counts: { name: string; value: number; dimensions: unknown }[] = [];
  const logger: IngestLogger = {
    info: (message, attributes) => lines.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => lines.push({ level: 'warn', message, attributes }),
    error: (message, attributes) => lines.push({ level: 'error', message, attributes }),
  };
  const metrics: IngestMetrics = {
    count: (name, value, dimensions) => counts.push({ name, value, dimensions }),
  };
  return { lines, counts, logger, metrics };
}

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
