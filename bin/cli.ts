import { processIo } from '../src/cli/io.ts';
import { runCli } from '../src/cli/program.ts';

/**
 * The `taglane` entry point loaded by `bin/taglane.js`. Sets the exit code rather than calling
 * `process.exit`, so buffered output is flushed before Node exits.
 */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv, processIo);
}
