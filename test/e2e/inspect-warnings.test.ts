import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/local/server.ts';
import { perFile } from '../support/lifecycle.ts';
import { e2eFixture, startE2eServer } from './fixture.ts';
import { example, sendShopify } from './senders.ts';

const e2e = e2eFixture('taglane-e2e-warnings-');
const printed: string[] = [];
// No Matomo URL: the built-in inspector receives what the batcher sends.
const server = perFile<RunningServer>(
  'the server',
  () =>
    startE2eServer(e2e, {
      matomoUrl: undefined,
      batchSize: 10,
      batchWindowMs: 50,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 3,
      print: (line) => printed.push(line),
    }),
  (s) => s.close(),
);

describe('an optional value dropped at ingest, as taglane serve shows it', () => {
  it('shows the warning with the request at /inspect and in the printed line', async () => {
    const order = JSON.parse(await example('shopify', 'orders-create')) as Record<string, unknown>;
    const payload = JSON.stringify({ ...order, referring_site: 'android-app://com.google.android.gm' });
    const answer = await sendShopify(server.current.url, e2e.secrets, 'orders/create', payload);
    expect(answer.status).toBe(202);
    expect(await server.current.drain(30_000)).toBe(0);
    const inspected = (await (await fetch(`${server.current.url}/inspect`)).json()) as {
      requests: { kind: string; warnings?: unknown }[];
    };
    expect(inspected.requests.map((r) => [r.kind, r.warnings])).toEqual([
      ['order', [{ field: 'track[0].order.referrer', message: 'dropped: expected an absolute http(s) URL' }]],
    ]);
    expect(printed.join('\n')).toContain(
      'warning track[0].order.referrer: dropped: expected an absolute http(s) URL',
    );
  });
});
