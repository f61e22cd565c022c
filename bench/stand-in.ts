import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { StandInCommand, StandInStats } from './stand-in-matomo.ts';

export type { StandInStats } from './stand-in-matomo.ts';

/** The stand-in Matomo process, seen from the bench. */
export interface StandIn {
  /** Base URL; requests go to `${url}/matomo.php`. */
  readonly url: string;
  stats(): Promise<StandInStats>;
  /** Resolves once `n` tracking requests were answered. */
  waitFor(n: number): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts `bench/stand-in-matomo.ts` in its own Node process, so its work is not on the bench
 * process's thread or the sender's: every sender is counted by the same code, on its own core
 * time.
 */
export async function startStandIn(): Promise<StandIn> {
  const child = fork(new URL('./stand-in-matomo.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  const ask = async (command: StandInCommand): Promise<unknown> => {
    const answer = once(child, 'message');
    child.send(command);
    const [message] = (await answer) as [{ stats?: StandInStats }];
    return message.stats;
  };
  const stats = async (): Promise<StandInStats> => (await ask({ kind: 'stats' })) as StandInStats;
  return {
    url: `http://127.0.0.1:${ready.port}`,
    stats,
    waitFor: async (n) => {
      await ask({ kind: 'wait', n });
    },
    reset: async () => {
      await ask({ kind: 'reset' });
    },
    close: () => stop(child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.disconnect();
  await exited;
}
