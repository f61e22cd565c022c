import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/local/server.ts';
import { startMatomoServer, type TestMatomo } from '../support/matomo-server.ts';
import { newSecrets, sendApp } from './senders.ts';

const secrets = newSecrets();
let matomo: TestMatomo;
let server: RunningServer;
let dataDir: string;
const printed: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'taglane-outage-'));
  matomo = await startMatomoServer({ sites: [1], superUserTokens: [secrets.MATOMO_TOKEN] });
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir,
    matomoUrl: matomo.url,
    batchSize: 10,
    batchWindowMs: 0,
    // Short, so the retry after the outage comes quickly.
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 10,
    drainTimeoutMs: 30_000,
    env: { ...secrets },
    print: (line) => printed.push(line),
  });
});
afterAll(async () => {
  await server?.close();
  await matomo?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('taglane serve when Matomo is down', () => {
  it('keeps the request queued through a 503 and delivers it once Matomo is back', async () => {
    await matomo.outage({ kind: 'status', status: 503 });
    const answer = await sendApp(server.url, secrets, {
      id: 'outage-1',
      type: 'page_view',
      userId: 'erin',
      properties: { url: 'https://www.example.com/outage' },
    });
    expect(answer.status).toBe(202);
    while (matomo.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(matomo.received[0]?.status).toBe(503);
    expect(matomo.recorded()).toHaveLength(0);
    await matomo.recover();
    expect(await server.drain(30_000)).toBe(0);
    expect(matomo.recorded().map((r) => r.url)).toEqual(['https://www.example.com/outage']);
    expect(printed.some((line) => line.includes('will be retried'))).toBe(true);
  });
});
