import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ingest } from '../../../src/ingest/index.ts';
import { QueuedRequestSchema } from '../../../src/tracking/queued-request.ts';
import { apiKeyHeaders, example, harness, secrets } from './harness.ts';
import { sinks } from './sinks.ts';

const REFERRER = {
  field: 'track[0].order.referrer',
  message: 'dropped: expected an absolute http(s) URL',
};

describe('an optional value dropped at ingest', () => {
  it('queues a Shopify order whose referring_site is an app link, with the warning on the request', async () => {
    const h = await harness();
    const s = sinks();
    const order = JSON.parse(example('shopify', 'orders-create').toString()) as Record<string, unknown>;
    const body = Buffer.from(
      JSON.stringify({ ...order, referring_site: 'android-app://com.google.android.gm' }),
    );
    const hmac = createHmac('sha256', secrets.SHOPIFY_WEBHOOK_SECRET).update(body).digest('base64');
    const res = await ingest(
      {
        method: 'POST',
        path: '/webhooks/shopify',
        query: {},
        headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': hmac },
        body,
        requestId: 'r1',
      },
      { ...h.deps, logger: s.logger, metrics: s.metrics },
    );
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({
      accepted: 1,
      matched: 1,
      warnings: [{ path: '$', rule: 'order created', ...REFERRER }],
    });
    const [queued] = h.queue.messages;
    expect(QueuedRequestSchema.parse(queued).warnings).toEqual([REFERRER]);
    expect(queued?.params.revenue).toBeDefined();
    expect(queued?.params.urlref).toBeUndefined();
    expect(s.counts).toContainEqual({ name: 'warnings', value: 1, dimensions: { source: 'shopify' } });
    const warned = s.lines.find((l) => l.level === 'warn');
    expect(warned).toMatchObject({ message: 'optional values dropped', attributes: { source: 'shopify' } });
    expect(JSON.stringify(s.lines)).not.toContain('com.google.android.gm');
  });

  it('answers without warnings, logs and counts none when nothing was dropped', async () => {
    const h = await harness();
    const s = sinks();
    const res = await ingest(
      {
        method: 'POST',
        path: '/events',
        query: {},
        headers: apiKeyHeaders(),
        body: example('app', 'signup'),
        requestId: 'r2',
      },
      { ...h.deps, logger: s.logger, metrics: s.metrics },
    );
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).not.toHaveProperty('warnings');
    expect(s.counts.map((c) => c.name)).not.toContain('warnings');
    expect(s.lines.map((l) => l.level)).toEqual(['info']);
  });
});
