import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { RuleSet } from '../../rules/index.ts';
import { DeadLetterNotFoundError, type DeadLetters } from './dead-letters.ts';
import { PAGE_HEADERS, PAGE_HTML, pageScript } from './page.ts';
import { PlaygroundInputError, previewEvent, sampleEvent, saveExample } from './playground.ts';
import type { EventStore } from './store.ts';
import type { RulesStatus, StreamMessage } from './wire.ts';

const STYLE = fileURLToPath(new URL('../../../web/debugger/style.css', import.meta.url));

/** What the debugger's routes serve from. */
export interface DebuggerRoutesOptions {
  readonly store: EventStore;
  readonly deadLetters: DeadLetters;
  readonly rules: () => RulesStatus;
  /** The rule set in force, for the playground. */
  readonly ruleSet: () => RuleSet;
}

/** A request handler that answers the routes it owns and returns false for the others. */
export type PageRoutes = ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>) & {
  /** Ends every open event stream (an open stream would hold the HTTP server's close). */
  closeStreams(): void;
};

/** Largest JSON body the debugger's own POST routes read. */
const MAX_BODY = 1024 * 1024;

/**
 * The debugger's HTTP routes beside the API: `GET /` (the page), its script and style,
 * `GET /debugger/stream` (Server-Sent Events), and JSON under `/debugger/api/`. They answer
 * only requests addressed to a loopback host name (no DNS rebinding) and take POSTs only as
 * JSON from the page's own origin (no cross-site form posts).
 */
export function debuggerRoutes(options: DebuggerRoutesOptions): PageRoutes {
  const streams = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/' && !path.startsWith('/debugger/')) return false;
    const refused = refusal(req, method);
    if (refused) {
      problem(res, 403, 'Forbidden', refused);
      return true;
    }
    const key = `${method} ${path}`;
    if (key === 'GET /') send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
    else if (key === 'GET /debugger/app.js') await script(res);
    else if (key === 'GET /debugger/app.css')
      send(res, 200, 'text/css; charset=utf-8', await readFile(STYLE, 'utf8'));
    else if (key === 'GET /debugger/stream') openStream(res, options, streams);
    else if (key === 'POST /debugger/api/clear') {
      options.store.clear();
      json(res, 200, { cleared: true });
    } else if (key === 'GET /debugger/api/dead-letters') json(res, 200, await options.deadLetters.list());
    else if (key === 'POST /debugger/api/dead-letters/redrive') await redrive(req, res, options.deadLetters);
    else if (
      key.startsWith('POST /debugger/api/playground/') ||
      key === 'GET /debugger/api/playground/sample'
    ) {
      await playground(req, res, path, options.ruleSet());
    } else if (method === 'GET' && path.startsWith('/debugger/api/entries/')) {
      const entry = options.store.get(Number(path.slice('/debugger/api/entries/'.length)));
      if (entry) json(res, 200, entry);
      else problem(res, 404, 'Not Found', `no entry ${path.slice(22)}: it was cleared or left the buffer`);
    } else problem(res, 404, 'Not Found', `the debugger has no route ${method} ${path}`);
    return true;
  };
  return Object.assign(handle, {
    closeStreams: () => {
      for (const res of streams) res.end();
      streams.clear();
    },
  });
}

function openStream(res: ServerResponse, options: DebuggerRoutesOptions, streams: Set<ServerResponse>): void {
  res.writeHead(200, { ...PAGE_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
  const write = (message: StreamMessage): void => {
    res.write(`data: ${JSON.stringify(message)}\n\n`);
  };
  write({ type: 'snapshot', entries: options.store.list(), rules: options.rules() });
  const unsubscribe = options.store.subscribe(write);
  // A comment now and then keeps proxies and the browser from calling the stream dead.
  const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  streams.add(res);
  res.on('close', () => {
    clearInterval(beat);
    unsubscribe();
    streams.delete(res);
  });
}

async function script(res: ServerResponse): Promise<void> {
  try {
    send(res, 200, 'text/javascript; charset=utf-8', await pageScript());
  } catch (error) {
    // The page stays at "Loading…"; the reason goes where the developer will look for it.
    const reason = error instanceof Error ? error.message : String(error);
    problem(
      res,
      500,
      'Internal Server Error',
      `the debugger page could not be built with esbuild: ${reason}`,
    );
  }
}

async function redrive(req: IncomingMessage, res: ServerResponse, letters: DeadLetters): Promise<void> {
  const body = await readJson(req);
  if (body === undefined || typeof body !== 'object' || body === null) return void invalidJson(res);
  const { messageId } = body as { messageId?: unknown };
  if (messageId === undefined) return json(res, 200, { moved: await letters.redriveAll() });
  if (typeof messageId !== 'string') return problem(res, 400, 'Bad Request', 'messageId must be a string');
  try {
    await letters.redrive(messageId);
    json(res, 200, { moved: 1 });
  } catch (error) {
    if (!(error instanceof DeadLetterNotFoundError)) throw error;
    problem(res, 404, 'Not Found', `${error.message}: redriven or listed by someone else already`);
  }
}

async function playground(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ruleSet: RuleSet,
): Promise<void> {
  try {
    if (path.endsWith('/sample')) {
      const source = new URL(req.url ?? '/', 'http://local').searchParams.get('source') ?? '';
      return json(res, 200, { text: await sampleEvent(ruleSet, source) });
    }
    const body = await readJson(req);
    const input = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const { source, text, name } = input;
    if (typeof source !== 'string' || typeof text !== 'string') {
      return problem(res, 400, 'Bad Request', 'send {"source": "...", "text": "<the event as JSON>"}');
    }
    if (path.endsWith('/preview')) return json(res, 200, await previewEvent(ruleSet, { source, text }));
    if (path.endsWith('/save') && typeof name === 'string') {
      return json(res, 201, await saveExample(ruleSet, { source, text, name }));
    }
    problem(res, 404, 'Not Found', `the playground has no route ${path}; a save needs a "name"`);
  } catch (error) {
    if (!(error instanceof PlaygroundInputError)) throw error;
    problem(res, error.status, titleOf(error.status), error.message);
  }
}

function titleOf(status: number): string {
  return (
    { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content' }[status] ?? 'Error'
  );
}

/** Why a request may not use the debugger, or undefined when it may. */
function refusal(req: IncomingMessage, method: string): string | undefined {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    return `the debugger answers only requests for 127.0.0.1, localhost or [::1], not "${host}"`;
  }
  if (method === 'GET') return undefined;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) {
    return `the debugger takes POSTs only from its own page, not from ${origin}`;
  }
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return 'the debugger takes POSTs only with content-type application/json';
  }
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    return undefined;
  }
}

function invalidJson(res: ServerResponse): true {
  problem(res, 400, 'Bad Request', 'the body must be a JSON object of at most 1 MB');
  return true;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-type': type }).end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  send(
    res,
    status,
    'application/problem+json',
    JSON.stringify({ type: 'about:blank', title, status, detail }),
  );
}
