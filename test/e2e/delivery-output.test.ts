import { describe, expect, it } from 'vitest';
import { formatBanner } from '../../src/local/banner.ts';
import { e2eFixture, startE2eServer } from './fixture.ts';
import { sendApp } from './senders.ts';

const e2e = e2eFixture('taglane-delivery-output-');
const options = { batchSize: 10, batchWindowMs: 0, visibilityTimeoutSeconds: 1, maxReceiveCount: 20 };

describe('taglane serve with a real Matomo, in the terminal', () => {
  it('prints one line per bulk with its counts and outcome', async () => {
    const printed: string[] = [];
    const server = await startE2eServer(e2e, { ...options, print: (line) => printed.push(line) });
    try {
      const events = ['a', 'b'].map((n) => ({
        id: `output-${n}`,
        type: 'page_view',
        userId: `user-${n}`,
        properties: { url: `https://www.example.com/${n}` },
      }));
      expect((await sendApp(server.url, e2e.secrets, events)).status).toBe(202);
      expect(await server.drain(30_000)).toBe(0);
      const bulks = printed.filter((line) => /^batcher +bulk /.test(line));
      expect(bulks.join('\n')).toMatch(/bulk accepted {2}requests=\d tracked=\d invalid=0 ms=\d+/);
      const sent = bulks.map((line) => Number(/requests=(\d+)/.exec(line)?.[1]));
      expect(sent.reduce((a, b) => a + b, 0)).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('warns at start without MATOMO_TOKEN and prints each dead letter with its reason', async () => {
    const printed: string[] = [];
    const env = { ...e2e.secrets, MATOMO_TOKEN: undefined };
    const server = await startE2eServer(e2e, { ...options, env, print: (line) => printed.push(line) });
    try {
      expect(server.matomoTokenMissing).toBe(true);
      const banner = formatBanner({ ...server, config: { ...options, ...bannerConfig(e2e.matomo.url) } });
      expect(banner).toContain('! MATOMO_TOKEN is not set');
      const twoDaysAgo = Math.floor(Date.now() / 1000) - 2 * 86_400;
      const old = {
        id: 'output-old',
        type: 'page_view',
        userId: 'user-old',
        timestamp: twoDaysAgo,
        properties: { url: 'https://www.example.com/old' },
      };
      expect((await sendApp(server.url, e2e.secrets, [old])).status).toBe(202);
      expect(await server.drain(30_000)).toBe(0);
      const dead = printed.filter((line) => line.includes('dead-lettered'));
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatch(
        /^batcher +WARN dead-lettered old-cdt-without-token {2}message=\S+ detail=event time/,
      );
    } finally {
      await server.close();
    }
  });
});

function bannerConfig(matomoUrl: string) {
  return {
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir: e2e.dir,
    matomoUrl,
    drainTimeoutMs: 30_000,
  };
}
