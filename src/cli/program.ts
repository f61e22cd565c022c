import { Command, CommanderError } from 'commander';
import { registerServeCommand } from '../local/cli.ts';
import type { CliIo, ExitCode } from './io.ts';
import { registerPreviewCommand } from './preview.ts';
import { registerSchemaCommand } from './schema.ts';
import { registerTestCommand } from './test-examples.ts';
import { registerValidateCommand } from './validate.ts';

/**
 * Builds the `taglane` program. Commander's own errors (unknown command, missing argument) and
 * help go through `io` and are thrown instead of exiting, so {@link runCli} owns the exit code.
 */
export function createProgram(io: CliIo, setExit: (code: ExitCode) => void): Command {
  const program = new Command('taglane')
    .description('Server-side tag manager for Matomo: check and preview rules, run the pipeline locally')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run taglane --help for usage)');
  registerValidateCommand(program, io, setExit);
  registerTestCommand(program, io, setExit);
  registerPreviewCommand(program, io, setExit);
  registerSchemaCommand(program, io, setExit);
  registerServeCommand(program);
  return program;
}

/**
 * Runs the CLI with `argv` as Node gives it (`[node, script, ...args]`) and resolves to the exit
 * code: 0 on success or help, 1 for invalid rules, failing examples or bad input.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = 0;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return code;
}
