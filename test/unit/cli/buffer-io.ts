import type { CliIo } from '../../../src/cli/io.ts';

/** A CliIo that keeps what a command printed, for assertions. */
export interface BufferIo extends CliIo {
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Collects stdout and stderr separately, each write as its own line. */
export function bufferIo(): BufferIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (text) => {
      out.push(text.endsWith('\n') ? text : `${text}\n`);
    },
    err: (text) => {
      err.push(text.endsWith('\n') ? text : `${text}\n`);
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
