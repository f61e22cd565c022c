import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSecrets } from '../e2e/senders.ts';
import { perFile } from '../support/lifecycle.ts';
import { startMatomoServer } from '../support/matomo-server.ts';
import { tempDirPerFile } from '../support/temp-dir.ts';
import { browserPerFile } from './browser.ts';
import { startPageServer } from './serve.ts';

const secrets = newSecrets();
const temp = tempDirPerFile('taglane-browser-memory-');
const matomo = perFile(
  'the test Matomo',
  () => startMatomoServer({ sites: [1], superUserTokens: [secrets.MATOMO_TOKEN] }),
  (m) => m.close(),
);
// Room for some 20 page views (about 3.5 KiB each, as the store estimates them).
const server = perFile(
  'taglane serve',
  () =>
    startPageServer({
      dataDir: join(temp.path, 'data'),
      matomoUrl: matomo.current.url,
      env: secrets,
      debuggerMemoryBudget: 20 * 3_500,
    }),
  (s) => s.close(),
);
const browser = browserPerFile();

describe('the debugger page with a small memory budget', () => {
  it('drops the requests the server let go, and keeps the newest', async () => {
    const page = await browser.current.newPage();
    await page.goto(server.current.url);
    await page.getByRole('listbox').waitFor();
    for (let n = 0; n < 60; n += 1) {
      const answer = await fetch(`${server.current.url}/events?source=app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
        body: JSON.stringify({
          id: `evt-memory-${n}`,
          type: 'page_view',
          anonymousId: 'memory-visitor',
          properties: { url: `https://www.example.com/memory/${n}`, title: `Memory ${n}` },
        }),
      });
      expect(answer.status).toBe(202);
    }
    // Delivery steps grow entries too: compare once every kept request is recorded.
    const store = server.current.debugger.store;
    const settled = () => store.list().every((e) => e.requests.every((r) => r.state === 'recorded'));
    while (matomo.current.recorded().length < 60 || !settled())
      await new Promise((resolve) => setTimeout(resolve, 50));
    const kept = store.list();
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(60);
    // The page ends up with exactly what the server kept.
    await page.getByText(`${kept.length} of ${kept.length} requests`).waitFor();
    await page.getByLabel('Text').fill('evt-memory-0');
    await page.getByText(`0 of ${kept.length} requests`).waitFor();
    await page.getByLabel('Text').fill('evt-memory-59');
    await page.getByText(`1 of ${kept.length} requests`).waitFor();
    await page.close();
  });
});
