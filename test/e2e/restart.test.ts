import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eFixture, startE2eServer } from './fixture.ts';
import { sendApp } from './senders.ts';

const e2e = e2eFixture('taglane-restart-');
const { secrets } = e2e;

/** One run of `taglane serve` on the shared data directory: sends page views, returns their cids by user. */
async function run(users: readonly string[], label: string): Promise<Map<string, string | undefined>> {
  // No TAGLANE_VISITOR_HMAC_KEY in the fixture's secrets: the local runtime keeps one in the data directory.
  const server = await startE2eServer(e2e, {
    batchSize: 10,
    batchWindowMs: 100,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 3,
  });
  const before = e2e.matomo.recorded().length;
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
  const recorded = e2e.matomo.recorded().slice(before);
  expect(recorded).toHaveLength(users.length);
  return new Map(recorded.map((r) => [r.uid ?? '', r.cid]));
}

describe('taglane serve restarts', () => {
  it('keeps a visitor’s cid across a restart on the same data directory', async () => {
    const first = await run(['carol'], 'before');
    const key = await readFile(join(e2e.dir, 'visitor-hmac-key'), 'utf8');
    const second = await run(['carol', 'dave'], 'after');
    expect(await readFile(join(e2e.dir, 'visitor-hmac-key'), 'utf8')).toBe(key);
    expect(first.get('carol')).toMatch(/^[0-9a-f]{16}$/);
    expect(second.get('carol')).toBe(first.get('carol'));
    expect(second.get('dave')).toMatch(/^[0-9a-f]{16}$/);
    expect(second.get('dave')).not.toBe(second.get('carol'));
  });
});
