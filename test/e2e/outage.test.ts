import { describe, expect, it } from 'vitest';
import { e2eFixture, e2eServerPerFile } from './fixture.ts';
import { sendApp } from './senders.ts';

const e2e = e2eFixture('taglane-outage-');
const { secrets } = e2e;
const printed: string[] = [];
const server = e2eServerPerFile(e2e, {
  batchSize: 10,
  batchWindowMs: 0,
  // Short, so the retry after the outage comes quickly.
  visibilityTimeoutSeconds: 1,
  maxReceiveCount: 10,
  print: (line) => printed.push(line),
});

describe('taglane serve when Matomo is down', () => {
  it('keeps the request queued through a 503 and delivers it once Matomo is back', async () => {
    await e2e.matomo.outage({ kind: 'status', status: 503 });
    const answer = await sendApp(server.current.url, secrets, {
      id: 'outage-1',
      type: 'page_view',
      userId: 'erin',
      properties: { url: 'https://www.example.com/outage' },
    });
    expect(answer.status).toBe(202);
    while (e2e.matomo.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(e2e.matomo.received[0]?.status).toBe(503);
    expect(e2e.matomo.recorded()).toHaveLength(0);
    await e2e.matomo.recover();
    expect(await server.current.drain(30_000)).toBe(0);
    expect(e2e.matomo.recorded().map((r) => r.url)).toEqual(['https://www.example.com/outage']);
    expect(printed.some((line) => line.includes('will be retried'))).toBe(true);
  });
});
