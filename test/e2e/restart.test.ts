import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/local/server.ts';
import { startMatomoServer, type TestMatomo } from '../support/matomo-server.ts';
import { newSecrets, sendApp } from './senders.ts';

const secrets = newSecrets();

let matomo: TestMatomo;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'taglane-restart-'));
  matomo = await startMatomoServer({ sites: [1], superUserTokens: [secrets.MATOMO_TOKEN] });
});
afterAll(async () => {
  await matomo?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** One run of `taglane serve` on the shared data directory: sends page views, returns their cids by user. */
async function run(users: readonly string[], label: string): Promise<Map<string, string | undefined>> {
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir,
    matomoUrl: matomo.url,
    batchSize: 10,
    batchWindowMs: 100,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 3,
    drainTimeoutMs: 30_000,
    // No TAGLANE_VISITOR_HMAC_KEY: the local runtime keeps one in the data directory.
    env: secrets,
  });
  const before = matomo.recorded().length;
  try {
    const events = users.map((userId) => ({
      id: `${label}-${userId}`,
      type: 'page_view',
      userId,
      properties: { url: `https://www.example.com/${label}` },
    }));
    const answer = await sendApp(server.url, secrets, events);
    expect(answer.status).toBe(202);
  } finally {
    expect(await server.close()).toBe(0);
  }
  const recorded = matomo.recorded().slice(before);
  expect(recorded).toHaveLength(users.length);
  return new Map(recorded.map((r) => [r.uid ?? '', r.cid]));
}

describe('taglane serve restarts', () => {
  it('keeps a visitor’s cid across a restart on the same data directory', async () => {
    const first = await run(['carol'], 'before');
    const key = await readFile(join(dataDir, 'visitor-hmac-key'), 'utf8');
    const second = await run(['carol', 'dave'], 'after');
    expect(await readFile(join(dataDir, 'visitor-hmac-key'), 'utf8')).toBe(key);
    expect(first.get('carol')).toMatch(/^[0-9a-f]{16}$/);
    expect(second.get('carol')).toBe(first.get('carol'));
    expect(second.get('dave')).toMatch(/^[0-9a-f]{16}$/);
    expect(second.get('dave')).not.toBe(second.get('carol'));
  });
});
