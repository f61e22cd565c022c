import { parentPort, workerData } from 'node:worker_threads';
import { type AwsServers, type LocalAwsOptions, startAwsServers } from './aws-servers.ts';

/** What the worker tells the thread that started it. */
export type AwsWorkerReply =
  | { readonly kind: 'ready'; readonly info: Omit<AwsServers, 'close'> }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'closed' };

/** What the starting thread asks of the worker. */
export interface AwsWorkerCommand {
  readonly kind: 'close';
}

// The worker thread's body (see aws-local.ts): the embedded SQS and DynamoDB servers run here,
// so their work (LevelDB, request parsing, the journal's writes) leaves the handlers' thread.
const port = parentPort;
if (port !== null) {
  let servers: AwsServers | undefined;
  try {
    servers = await startAwsServers((workerData as { options: LocalAwsOptions }).options);
    const { close: _close, ...info } = servers;
    port.postMessage({ kind: 'ready', info } satisfies AwsWorkerReply);
  } catch (error) {
    port.postMessage({ kind: 'failed', error } satisfies AwsWorkerReply);
  }
  port.on('message', async (command: AwsWorkerCommand) => {
    if (command.kind !== 'close') return;
    await servers?.close();
    port.postMessage({ kind: 'closed' } satisfies AwsWorkerReply);
    port.close();
  });
}
