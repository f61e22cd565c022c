import type { ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';

/** A child process a test started, and the promise of its end. */
export interface TestProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
}

/**
 * Registers an `afterEach` that SIGKILLs every process handed to the returned function during
 * the test and still running, and waits until it is gone. Call it at the top of a test file,
 * after the hooks of what the processes use (a Matomo, a data directory), so it runs first.
 */
export function killedAfterEach(): <T extends TestProcess>(proc: T) => T {
  const running: TestProcess[] = [];
  afterEach(async () => {
    for (const proc of running.splice(0)) {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    }
  });
  return (proc) => {
    running.push(proc);
    return proc;
  };
}
