import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message as the SDKs' HTTP requests carried it. */
export interface SentMessage {
  readonly type: string;
  readonly messageId: string;
}

/** A proxy in front of Taglane that loses the answers to the first requests. */
export interface LossyProxy {
  readonly url: string;
  /** The messages of every request that reached Taglane through the proxy, per request. */
  readonly forwarded: SentMessage[][];
  /** Statuses Taglane answered, per request (the SDK saw 503 for the lost ones). */
  readonly upstreamStatuses: number[];
  close(): Promise<void>;
}

/**
 * Forwards every request to `target` unchanged, and for the first `lose` requests answers the
 * SDK 503 after Taglane accepted them: the events are queued but the SDK believes they were not,
 * so it sends the same batch again, as it would after a timeout or a dropped connection.
 */
export async function startLossyProxy(target: string, lose: number): Promise<LossyProxy> {
  const forwarded: SentMessage[][] = [];
  const upstreamStatuses: number[] = [];
  let lost = 0;
  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'content-encoding', 'user-agent']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await fetch(`${target}${req.url ?? '/'}`, { method: 'POST', headers, body });
    const text = await answer.text();
    upstreamStatuses.push(answer.status);
    forwarded.push(await messagesOf(body, headers['content-encoding']));
    if (lost < lose) {
      lost += 1;
      res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"status":503}');
      return;
    }
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(text);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    upstreamStatuses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function messagesOf(body: Buffer, encoding: string | undefined): Promise<SentMessage[]> {
  const { gunzipSync } = await import('node:zlib');
  const json = JSON.parse((encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8')) as {
    batch?: SentMessage[];
  };
  return (json.batch ?? [json as unknown as SentMessage]).map((m) => ({
    type: m.type,
    messageId: m.messageId,
  }));
}
