import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { e2eFixture } from './fixture.ts';
import { sendApp } from './senders.ts';
import { type ServeProcess, spawnServePerTest } from './serve-process.ts';

const LISTENING = 'Taglane is listening on';
const STOPPED = 'no more events are accepted';
const e2e = e2eFixture('taglane-serve-thread-death-');
const { secrets } = e2e;
const spawnServe = spawnServePerTest();
// Ends serve's worker threads on SIGUSR2 (see the file): the CLI has no such hook itself.
const preload = fileURLToPath(new URL('../support/thread-death.mjs', import.meta.url));

/** `taglane serve` on the data directory `name`, its threads ended `how` on SIGUSR2. */
function serveToDie(name: string, how: 'terminate' | 'throw'): ServeProcess {
  return spawnServe(['--data-dir', join(e2e.dir, name)], {
    ...secrets,
    MATOMO_URL: e2e.matomo.url,
    // A long batching window: what is accepted is still queued when the thread dies.
    TAGLANE_BATCH_WINDOW: '60',
    TAGLANE_BATCH_SIZE: '1000',
    NODE_OPTIONS: `--import=${preload}`,
    TAGLANE_TEST_THREAD_DEATH: how,
  });
}

function pageViews(label: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${label}-${i}`,
    type: 'page_view',
    userId: `${label}-user-${i}`,
    properties: { url: `https://www.example.com/${label}/${i}` },
  }));
}

// Child processes start slowly on a busy machine (tsx compiles the CLI first).
describe('taglane serve when its embedded SQS and DynamoDB thread dies', { timeout: 90_000 }, () => {
  it('says so once, closes the HTTP API and exits 1; a restart on the data dir delivers what was accepted', async () => {
    const proc = serveToDie('throw', 'throw');
    await proc.waitFor(LISTENING);
    const accepted = await sendApp(proc.url, secrets, pageViews('before-death', 3));
    expect(accepted.status).toBe(202);
    const url = proc.url;
    proc.child.kill('SIGUSR2');
    await proc.waitFor(STOPPED);
    const late = await sendApp(url, secrets, pageViews('after-death', 1)).then(
      (answer) => answer.status,
      () => 'refused',
    );
    expect(late).toBe('refused');
    expect(await proc.exited).toBe(1);
    // One line and nothing else (no leak warning of the failing SDK calls beside it, for one).
    const reports = proc.stderr().trim().split('\n');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(
      /^taglane serve: the embedded SQS and DynamoDB servers' thread \(worker thread \d+\) threw TypeError: /,
    );
    expect(reports[0]).toContain(
      `Events already answered 202 are kept in ${join(e2e.dir, 'throw')}/queue.journal: start taglane serve again with --data-dir ${join(e2e.dir, 'throw')} to deliver them`,
    );
    expect(proc.stderr()).not.toContain('--help');
    expect(e2e.matomo.recorded().filter((r) => r.url?.includes('/before-death/'))).toHaveLength(0);

    // What the message promises: the same data directory, a plain serve, and they are delivered.
    const next = spawnServe(['--data-dir', join(e2e.dir, 'throw')], {
      ...secrets,
      MATOMO_URL: e2e.matomo.url,
      TAGLANE_BATCH_WINDOW: '0',
    });
    // One message or more: ingest packs the requests of one POST together.
    await next.waitFor(/\d+ message\(s\) from the last run queued again/);
    const delivered = () => e2e.matomo.recorded().filter((r) => r.url?.includes('/before-death/'));
    while (delivered().length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(new Set(delivered().map((r) => r.url)).size).toBe(3);
    expect(delivered()).toHaveLength(3);
  });

  it('stops the same way when the thread is terminated rather than throwing', async () => {
    const proc = serveToDie('terminate', 'terminate');
    await proc.waitFor(LISTENING);
    proc.child.kill('SIGUSR2');
    expect(await proc.exited).toBe(1);
    expect(proc.stderr().trim().split('\n')).toHaveLength(1);
    expect(proc.stderr()).toMatch(
      /the embedded SQS and DynamoDB servers' thread \(worker thread \d+\) exited with code 1; the HTTP API is closed and no more events are accepted/,
    );
  });
});
