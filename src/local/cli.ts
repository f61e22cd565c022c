import type { Command } from 'commander';

/**
 * Registers `taglane serve`: the whole pipeline (ingest, queue, batcher, visitor store and a
 * Matomo or the built-in inspector) on one machine.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the whole pipeline locally: HTTP ingest, queue, batcher and Matomo or an inspector')
    .option('--port <port>', 'HTTP port (env TAGLANE_PORT)', '8787')
    .option('--host <host>', 'HTTP host (env TAGLANE_HOST)', '127.0.0.1')
    .action(async () => {
      throw new Error('taglane serve is not implemented yet');
    });
}
