import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMatomoServer, type TestMatomo } from '../support/matomo-server.ts';
import { newSecrets, sendApp } from './senders.ts';
import { type ServeProcess, spawnServe } from './serve-process.ts';

const run = promisify(execFile);
const secrets = newSecrets();
let matomo: TestMatomo;
let dir: string;
const running: ServeProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taglane-dead-letters-'));
  // No Crash Analytics plugin: Matomo fails every bulk holding a crash, so it is dead-lettered.
  matomo = await startMatomoServer({ sites: [1], superUserTokens: [secrets.MATOMO_TOKEN] });
});
afterEach(async () => {
  for (const proc of running.splice(0)) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await proc.exited;
  }
});
afterAll(async () => {
  await matomo?.close();
  await rm(dir, { recursive: true, force: true });
});

async function serve(): Promise<ServeProcess> {
  const proc = spawnServe(['--data-dir', join(dir, 'data')], {
    ...secrets,
    MATOMO_URL: matomo.url,
    // One batch for both requests: the page view going through alone tells the batcher the
    // crash is the poisonous one, so it is dead-lettered at once instead of retried.
    TAGLANE_BATCH_WINDOW: '1',
  });
  running.push(proc);
  await proc.waitFor('Taglane is listening on');
  return proc;
}

/** Runs the `taglane redrive ...` line of the banner, with extra flags. */
async function redrive(proc: ServeProcess, ...extra: string[]): Promise<string> {
  const line = /Redrive: +taglane redrive (.+)/.exec(proc.stdout())?.[1] ?? '';
  expect(line).toContain('--endpoint http://127.0.0.1:');
  const { stdout } = await run(process.execPath, ['bin/taglane.js', 'redrive', ...line.split(' '), ...extra]);
  return stdout;
}

async function deadLetters(proc: ServeProcess): Promise<string> {
  return redrive(proc, '--dry-run');
}

describe('dead letters of taglane serve', { timeout: 60_000 }, () => {
  it('are reachable with the redrive command of the banner and survive a SIGKILL', async () => {
    const first = await serve();
    const at = Math.floor(Date.now() / 1000) - 60;
    const events = [
      {
        id: 'dl-view',
        type: 'page_view',
        timestamp: at,
        userId: 'dl-user',
        properties: { url: 'https://www.example.com/dl' },
      },
      { id: 'dl-crash', type: 'error', timestamp: at, userId: 'dl-user', properties: { message: 'boom' } },
    ];
    expect((await sendApp(first.url, secrets, events)).status).toBe(202);
    let seen = '';
    for (let attempt = 0; attempt < 30 && !seen.includes('would move 1 '); attempt += 1) {
      seen = await deadLetters(first);
    }
    expect(seen).toContain('would move 1 dead letter(s) back to the queue (rejected 1)');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await serve();
    expect(second.stdout()).toContain('1 message(s) from the last run queued again');
    expect(await deadLetters(second)).toContain('would move 1 dead letter(s) back to the queue (rejected 1)');
    expect(matomo.recorded().filter((r) => r.url === 'https://www.example.com/dl')).toHaveLength(1);
  });
});
