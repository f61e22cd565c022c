import { processIo } from '../src/cli/io.ts';
import { runCli } from '../src/cli/program.ts';

/**
 * The `taglane` entry point loaded by `bin/taglane.js`. Sets the exit code rather than calling
 * `process.exit`, so buffered output is flushed before Node exits.
 */
export async function main(argv: string[]): Promise<void> {
  // The AWS SDK's notice that its releases after January 2027 need Node 22 would print on every
  // command under Node 20; it is said once in the README instead. Set by the user, it wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.exitCode = await runCli(argv, processIo);
}
