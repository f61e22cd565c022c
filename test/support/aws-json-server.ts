import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request an {@link AwsJsonServer} received. */
export interface ReceivedCall {
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** How to answer one call: a status and a JSON body, or no answer at all. */
export type ScriptedAnswer =
  | { readonly status: number; readonly json: unknown; readonly headers?: Record<string, string> }
  | 'hang';

/** A running {@link startAwsJsonServer}. */
export interface AwsJsonServer {
  /** `http://127.0.0.1:<port>/`. */
  readonly endpoint: URL;
  readonly calls: ReceivedCall[];
  close(): Promise<void>;
}

/**
 * An AWS JSON-protocol server on 127.0.0.1 answering each call with the next of `script`
 * (the last one repeats): throttling, 5xx, hangs, then success, to test a client's retries.
 */
export async function startAwsJsonServer(
  script: readonly ScriptedAnswer[] | ((call: ReceivedCall) => ScriptedAnswer),
): Promise<AwsJsonServer> {
  const calls: ReceivedCall[] = [];
  const hung: ServerResponse[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const call = {
      target: String(req.headers['x-amz-target'] ?? ''),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    calls.push(call);
    const answer =
      typeof script === 'function' ? script(call) : (script[calls.length - 1] ?? script[script.length - 1]);
    if (answer === undefined || answer === 'hang') {
      hung.push(res);
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', ...answer.headers });
    res.end(JSON.stringify(answer.json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: new URL(`http://127.0.0.1:${port}/`),
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
