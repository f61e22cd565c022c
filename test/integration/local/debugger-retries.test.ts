import { describe, expect, it } from 'vitest';
import type { DeadLetterView } from '../../../src/local/debugger/wire.ts';
import { e2eFixture, e2eServerPerFile } from '../../e2e/fixture.ts';

const e2e = e2eFixture('taglane-debugger-retries-');
const server = e2eServerPerFile(e2e, {
  batchSize: 10,
  batchWindowMs: 20,
  visibilityTimeoutSeconds: 1,
  maxReceiveCount: 2,
});

async function until<T>(check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the debugger during a long Matomo outage', () => {
  it('shows each attempt, then the move to the dead-letter queue once the receives are used up', async () => {
    await e2e.matomo.outage({ kind: 'status', status: 503 });
    const answer = await fetch(`${server.current.url}/events?source=app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': e2e.secrets.TAGLANE_API_KEY },
      body: JSON.stringify({
        type: 'page_view',
        anonymousId: 'outage-1',
        properties: { url: 'https://x.example/o' },
      }),
    });
    expect(answer.status).toBe(202);
    const store = server.current.debugger.store;
    const mine = () =>
      store.list().find((e) => e.requests.some((r) => r.visitorKey === 'outage-1'))?.requests[0];
    const request = await until(() => (mine()?.state === 'dead-lettered' ? mine() : undefined));
    expect(request.steps.map((s) => s.state)).toEqual([
      'queued',
      'in-batch',
      'sent',
      'retried',
      'in-batch',
      'sent',
      'dead-lettered',
    ]);
    expect(request.steps[4]?.detail).toBe('attempt 2 of 2, in a batch of 1');
    expect(request.steps[6]?.detail).toContain('after 2 receives SQS moves it to the dead-letter queue');
    const letters = await until(async () => {
      const listing = (await (await fetch(`${server.current.url}/debugger/api/dead-letters`)).json()) as {
        letters: DeadLetterView[];
      };
      return listing.letters.length > 0 ? listing.letters : undefined;
    });
    expect(letters.map((l) => [l.reason, l.requestId])).toEqual([['retries-exhausted', request.id]]);
    await e2e.matomo.recover();
  });
});
