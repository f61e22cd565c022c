import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An API Gateway HTTP API (payload 2.0) event for `GET /health`. */
export const HEALTH_EVENT = {
  version: '2.0',
  routeKey: 'GET /health',
  rawPath: '/health',
  rawQueryString: '',
  headers: {},
  requestContext: { http: { method: 'GET', path: '/health' }, requestId: 'r1', timeEpoch: 0 },
  isBase64Encoded: false,
};

/**
 * Imports `index.mjs` of a bundle directory in a fresh Node process, as Lambda does (only the
 * bundle, no node_modules, only `env` in the environment), calls `handler(event)` and returns
 * its result.
 */
export async function invokeBundle(
  dir: string,
  event: unknown,
  env: Record<string, string>,
): Promise<unknown> {
  const script = [
    `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))});`,
    `const r = await m.handler(${JSON.stringify(event)}, { awsRequestId: 'r', functionName: 'f' });`,
    `process.stdout.write('\\nRESULT' + JSON.stringify(r));`,
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', ...env },
  });
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\nRESULT') + '\nRESULT'.length));
}
