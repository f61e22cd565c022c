import type { Command } from 'commander';
import { describeFailure } from '../cli/failure.ts';
import { processIo } from '../cli/io.ts';
import { DestinationsFileError } from '../destinations/index.ts';
import { RuleSetError } from '../rules/index.ts';
import { formatBanner } from './banner.ts';
import { resolveServeConfig, type ServeConfig, ServeConfigError } from './config.ts';
import { type RunningServer, startServer } from './server.ts';

/**
 * The `serve` action: starts the pipeline, prints the banner and runs until SIGINT/SIGTERM.
 * The first signal stops accepting, drains the queue and returns (exit 0, or 1 when the drain
 * timed out with messages left); a second one exits at once. A death of the embedded SQS and
 * DynamoDB thread stops serve with one line saying so, and exit 1. Start-up problems (invalid rules
 * or flags, a busy port) go through `command.error`, so they print once and the CLI exits 1.
 */
export async function runServe(flags: Readonly<Record<string, unknown>>, command: Command): Promise<void> {
  const print = (line: string): void => processIo.out(line);
  quietLambdaTooling(process.env);
  let server: RunningServer;
  let config: ServeConfig;
  try {
    config = resolveServeConfig(flags);
    server = await startServer({ ...config, print });
    print(formatBanner({ ...server, config }));
  } catch (error) {
    // Only a flag problem is about usage; "run taglane --help" would mislead after the others.
    if (!(error instanceof ServeConfigError)) command.showHelpAfterError(false);
    if (error instanceof RuleSetError || error instanceof DestinationsFileError) {
      describeFailure(error, processIo);
      const what = error instanceof RuleSetError ? 'rule files' : 'destinations file';
      return command.error(`taglane serve: fix the ${what} above and start again`, { exitCode: 1 });
    }
    return command.error(`taglane serve: ${startupProblem(error)}`, { exitCode: 1 });
  }
  const end = await Promise.race([
    untilStopped(server, print).then((left) => ({ left })),
    server.died.then((death) => ({ death })),
  ]);
  if ('death' in end) {
    command.showHelpAfterError(false);
    // As after a drain: idle keep-alive sockets must not keep the process up.
    setTimeout(() => process.exit(1), 2000).unref();
    return command.error(
      `taglane serve: ${end.death.message}; the HTTP API is closed and no more events are accepted. Events already answered 202 are kept in ${config.dataDir}/queue.journal: start taglane serve again with --data-dir ${config.dataDir} to deliver them`,
      { exitCode: 1 },
    );
  }
  const { left } = end;
  if (left > 0) {
    command.showHelpAfterError(false);
    // Exit 1: not lost (the journal keeps them), but not delivered either, and a script should know.
    command.error(
      `taglane serve: drain timed out, ${left} queued message(s) were not delivered; they stay in ${config.dataDir}/queue.journal and are queued again on the next start`,
      { exitCode: 1 },
    );
  }
}

/**
 * Lambda tooling that makes no sense on a laptop: CloudWatch EMF metrics and JSON logs, and
 * the AWS SDK's notice about its future Node support (it only talks to embedded servers here).
 * Set by the user, these variables win.
 */
function quietLambdaTooling(env: NodeJS.ProcessEnv): void {
  env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // The handlers' own log ports print readable lines; Powertools' JSON lines repeat them.
  env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

function startupProblem(error: unknown): string {
  if (error instanceof ServeConfigError) return error.message;
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    return `${error.message}: another program uses this port; choose one with --port`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after the first signal's drain with the number of messages left undelivered. */
function untilStopped(server: RunningServer, print: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        processIo.err(`${signal} again: exiting without delivering what is still queued`);
        process.exit(1);
      }
      stopping = true;
      processIo.err(
        `${signal}: not accepting events any more; delivering what is queued (signal again to exit now)`,
      );
      server.close().then(
        (left) => {
          process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
          if (left === 0) print('queue drained, bye');
          // Idle keep-alive sockets of the SDK clients must not keep the process up.
          setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
          resolve(left);
        },
        (error: unknown) => {
          processIo.err(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
}
