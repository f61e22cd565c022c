import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerForgetCommand } from './forget.ts';
import type { CliIo, ExitCode } from './io.ts';
import { registerPreviewCommand } from './preview.ts';
import { registerRedriveCommand } from './redrive.ts';
import { registerSchemaCommand } from './schema.ts';
import { registerTestCommand } from './test-examples.ts';
import { registerValidateCommand } from './validate.ts';

/**
 * Builds the `taglane` program. Commander's own errors (unknown command, missing argument) and
 * help go through `io` and are thrown instead of exiting, so {@link runCli} owns the exit code.
 */
export async function createProgram(
  io: CliIo,
  setExit: (code: ExitCode) => void,
  argv: readonly string[] = [],
): Promise<Command> {
  const program = new Command('taglane')
    .description('Server-side tag manager for Matomo: check and preview rules, run the pipeline locally')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run taglane --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version of taglane');
  registerValidateCommand(program, io, setExit);
  registerTestCommand(program, io, setExit);
  registerPreviewCommand(program, io, setExit);
  registerSchemaCommand(program, io, setExit);
  registerRedriveCommand(program, io, setExit);
  registerForgetCommand(program, io, setExit);
  await addServeCommand(program, argv, io, setExit);
  return program;
}

/** The version in package.json, the one npm and a bug report know it by. */
function packageVersion(): string {
  const manifest: unknown = createRequire(import.meta.url)('../../package.json');
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

const OWN_COMMANDS = new Set(['validate', 'test', 'preview', 'schema', 'redrive', 'forget']);

/**
 * `taglane serve` comes from the local runtime, which pulls in the AWS SDK clients, the embedded
 * SQS and DynamoDB servers and the handlers. It is imported only when it can be needed (serve,
 * help), so `validate`, `test` and `preview` start fast and keep working whatever state that
 * part is in.
 */
async function addServeCommand(
  program: Command,
  argv: readonly string[],
  io: CliIo,
  setExit: (code: ExitCode) => void,
): Promise<void> {
  const command = argv.slice(2).find((arg) => !arg.startsWith('-'));
  if (command !== undefined && OWN_COMMANDS.has(command)) return;
  try {
    const { registerServeCommand } = await import('../local/cli.ts');
    registerServeCommand(program);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    program
      .command('serve')
      .description('Run the whole pipeline locally (unavailable: the local runtime failed to load)')
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        io.err(`error: taglane serve is unavailable: ${reason}`);
        setExit(1);
      });
  }
}

/**
 * Runs the CLI with `argv` as Node gives it (`[node, script, ...args]`) and resolves to the exit
 * code: 0 on success or help, 1 for invalid rules, failing examples or bad input.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = 0;
  const program = await createProgram(
    io,
    (c) => {
      code = c;
    },
    argv,
  );
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return code;
}
