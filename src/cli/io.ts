/**
 * Where a command writes. The real CLI passes the process streams; tests pass buffers, so
 * commands run in-process without touching the global console.
 */
export interface CliIo {
  /** Results: what a script would pipe on (`preview --json` prints only JSON here). */
  out(text: string): void;
  /** Problems and progress for a human. */
  err(text: string): void;
}

/** The process's stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  },
  err: (text) => {
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  },
};

/**
 * A command's outcome: `0` when everything is right, `1` when the user's rules, examples or
 * input are wrong. Commands return it instead of calling `process.exit`, so output is flushed.
 */
export type ExitCode = 0 | 1;
