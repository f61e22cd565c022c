import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from './support/pipeline.ts';

/** Hostile requests over real HTTP to the local server of `taglane serve`. */
describe('the local HTTP server under hostile requests', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(() => p.close());

  it.each([
    ['/webhooks/%E0%A4%A', 404],
    ['/webhooks/%00', 404],
    ['/webhooks/a%2Fb', 404],
    ['/events?source=%ZZ', 404],
    ['/events?source=app&source=app', 404],
  ])('answers POST %s with a problem %i, never a 500', async (path, status) => {
    const res = await fetch(`${p.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status });
  });

  it('refuses a 12 MiB body with 413 without queuing anything', async () => {
    const res = await fetch(`${p.url}/events?source=app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(12 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(await p.drain(2000)).toBe(0);
  });
});
