import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { killedAfterEach } from '../support/processes.ts';

/** `taglane serve` running as a child process, exactly as `npm start` runs it. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** Base URL from the banner; empty until it is printed (see {@link ServeProcess.waitFor}). */
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Resolves once stdout or stderr contains `text`; rejects if the process exits first. */
  waitFor(text: string | RegExp): Promise<void>;
}

/**
 * Spawns `node bin/taglane.js serve ARGS` with only `env` (plus PATH and HOME), so nothing of
 * the developer's environment (a MATOMO_URL, an API key) leaks into the test.
 */
export function spawnServe(args: readonly string[], env: Readonly<Record<string, string>>): ServeProcess {
  const child = spawn(process.execPath, ['bin/taglane.js', 'serve', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    notify();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    notify();
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const waitFor = (text: string | RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const all = out + err;
        if (typeof text === 'string' ? all.includes(text) : text.test(all)) {
          waiters.delete(check);
          resolve();
        }
      };
      waiters.add(check);
      check();
      exited.then(() => {
        if (waiters.delete(check)) reject(new Error(`serve exited before printing ${text}:\n${out}\n${err}`));
      }, reject);
    });
  return {
    child,
    get url() {
      return /Taglane is listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
    },
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor,
  };
}

/** {@link spawnServe}, with each process killed after the test if it still runs. */
export function spawnServePerTest(): typeof spawnServe {
  const killLater = killedAfterEach();
  return (args, env) => killLater(spawnServe(args, env));
}
