import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTaglane } from '../support/taglane-binary.ts';
import { e2eFixture } from './fixture.ts';
import { sendApp } from './senders.ts';
import { type ServeProcess, spawnServePerTest } from './serve-process.ts';

// No Crash Analytics plugin: Matomo fails every bulk holding a crash, so it is dead-lettered.
const e2e = e2eFixture('taglane-dead-letters-');
const { secrets } = e2e;
const spawnServe = spawnServePerTest();

async function serve(): Promise<ServeProcess> {
  const proc = spawnServe(['--data-dir', join(e2e.dir, 'data')], {
    ...secrets,
    MATOMO_URL: e2e.matomo.url,
    // A crash is poison once it failed alone on 5 receives while Matomo accepted other
    // traffic: quick retries, and the test keeps page views coming meanwhile.
    TAGLANE_BATCH_WINDOW: '0',
    TAGLANE_VISIBILITY_TIMEOUT: '1',
    TAGLANE_RETRY_MAX_DELAY: '1',
  });
  await proc.waitFor('Taglane is listening on');
  return proc;
}

/** Runs the `taglane redrive ...` line of the banner, with extra flags. */
async function redrive(proc: ServeProcess, ...extra: string[]): Promise<string> {
  const line = /Redrive: +taglane redrive (.+)/.exec(proc.stdout())?.[1] ?? '';
  expect(line).toContain('--endpoint http://127.0.0.1:');
  const run = await runTaglane('redrive', ...line.split(' '), ...extra);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
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
    const extra: string[] = [];
    for (let attempt = 0; attempt < 60 && !seen.includes('would move 1 '); attempt += 1) {
      const url = `https://www.example.com/dl-traffic-${attempt}`;
      const view = {
        id: `dl-traffic-${attempt}`,
        type: 'page_view',
        userId: 'dl-other',
        properties: { url },
      };
      expect((await sendApp(first.url, secrets, [view])).status).toBe(202);
      extra.push(url);
      seen = await deadLetters(first);
    }
    expect(seen).toContain('would move 1 dead letter(s) back to the queue (rejected 1)');
    // Nothing but the dead letter may be left in the journal when the process is killed.
    const recorded = (): number => e2e.matomo.recorded().filter((r) => extra.includes(String(r.url))).length;
    while (recorded() < extra.length) await new Promise((resolve) => setTimeout(resolve, 100));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await serve();
    expect(second.stdout()).toContain('1 message(s) from the last run queued again');
    expect(await deadLetters(second)).toContain('would move 1 dead letter(s) back to the queue (rejected 1)');
    expect(e2e.matomo.recorded().filter((r) => r.url === 'https://www.example.com/dl')).toHaveLength(1);
  });
});
