import { type ChildProcess, spawn } from 'node:child_process';
import { secrets } from './ingest-harness.ts';

/** `taglane serve` running as a child process of the real CLI. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** Base URL from the start-up banner. */
  readonly url: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
}

/**
 * Starts `node bin/taglane.js serve --port 0` with the given data directory and Matomo, and
 * waits for the banner's `listening on` line. Secrets come from the environment as a user
 * would set them.
 */
export async function startServeProcess(options: {
  dataDir: string;
  matomoUrl: string;
  env?: Record<string, string>;
  args?: string[];
}): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      'bin/taglane.js',
      'serve',
      '--port',
      '0',
      '--data-dir',
      options.dataDir,
      '--matomo-url',
      options.matomoUrl,
      '--batch-window',
      '0.05',
      '--visibility-timeout',
      '2',
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, ...secrets, MATOMO_TOKEN: 'reliability-write-token', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
    const look = (): void => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}

/** Posts app events with the API key; resolves with the status. */
export async function postEvents(url: string, events: unknown): Promise<number> {
  const res = await fetch(`${url}/events?source=app`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY },
    body: JSON.stringify(events),
  });
  await res.arrayBuffer();
  return res.status;
}
