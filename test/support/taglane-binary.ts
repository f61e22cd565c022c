import { execFile } from 'node:child_process';

/** How a run of the binary ended. */
export interface BinaryRun {
  /** The exit code; -1 when the process ended by a signal or did not start. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real binary as a user would, `node bin/taglane.js ARGS` (through tsx), from the
 * checkout root. Resolves for every exit code, so tests assert on it.
 */
export function runTaglane(...args: string[]): Promise<BinaryRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/taglane.js', ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
