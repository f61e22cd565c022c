import { describe, expect, it } from 'vitest';
import { apiKeyHeaders, harness } from './harness.ts';

/** A page view whose title is `title`; the app rule sends it as `action_name`. */
function pageView(title: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: 'page_view',
      anonymousId: 'a1',
      properties: { url: 'https://www.example.com/', title },
    }),
  );
}

describe('a tracking request larger than a bulk may be', () => {
  it('refuses a 350 KB title that URL-encodes past the 1 MiB bulk limit, naming the parameter', async () => {
    const h = await harness();
    // "/" is one byte in the body and three ("%2F") in the request Matomo receives.
    const res = await h.call({
      path: '/events',
      headers: apiKeyHeaders(),
      body: pageView('/'.repeat(350_000)),
    });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({
      type: 'urn:taglane:problem:payload-too-large',
      issues: [{ path: '$', rule: 'page view', field: 'action_name' }],
    });
    const [issue] = (res.json as { issues: { message: string }[] }).issues;
    expect(issue?.message).toContain('TAGLANE_BULK_MAX_BYTES');
    expect(h.queue.messages).toHaveLength(0);
  });

  it('uses the same limit as the batcher (maxBulkBytes), with room for the cid and the envelope', async () => {
    const h = await harness({ limits: { maxBulkBytes: 4096 } });
    const sizes = [3000, 3500, 4000];
    const statuses: number[] = [];
    for (const size of sizes) {
      const res = await h.call({
        path: '/events',
        headers: apiKeyHeaders(),
        body: pageView('t'.repeat(size)),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([202, 202, 413]);
  });

  it('names the event of an array whose request is too large', async () => {
    const h = await harness({ limits: { maxBulkBytes: 4096 } });
    const body = Buffer.from(`[${pageView('small')},${pageView('x'.repeat(5000))}]`);
    const res = await h.call({ path: '/events', headers: apiKeyHeaders(), body });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ issues: [{ path: '$[1]', field: 'action_name' }] });
    expect(h.queue.messages).toHaveLength(0);
  });
});
