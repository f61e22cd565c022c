import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_LIMITS,
  type IngestDeps,
  type IngestLimits,
  type IngestRequest,
  type IngestResponse,
  ingest,
  MemoryQueue,
} from '../../../src/ingest/index.ts';
import type { RuleSet } from '../../../src/rules/index.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';
import { ruleSecrets, shippedRulesWith } from '../../support/test-rules.ts';

/** Secret values for the shipped rule files and the signed test sources; random per process. */
export const secrets = ruleSecrets;

/** A real payload from `rules/examples/<source>/<name>.json`, as bytes. */
export function example(source: string, name: string): Buffer {
  return readFileSync(join('rules', 'examples', source, `${name}.json`));
}

/** Fixed clock: the tests sign with the same "now". */
export const NOW_MS = 1_790_000_000_000;

export interface Harness {
  readonly deps: IngestDeps;
  readonly queue: MemoryQueue;
  call(request: Partial<IngestRequest> & { path: string }): Promise<IngestResponse & { json: unknown }>;
}

/** Deps with the in-memory queue adapter, env secrets and the fixed clock. */
export async function harness(
  options: { limits?: Partial<IngestLimits>; rules?: RuleSet } = {},
): Promise<Harness> {
  const queue = new MemoryQueue();
  const deps: IngestDeps = {
    rules: options.rules ?? (await shippedRulesWith()),
    queue,
    secrets: new EnvSecretSource(secrets),
    clock: () => NOW_MS,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  };
  return {
    deps,
    queue,
    async call(request) {
      const response = await ingest(
        {
          method: 'POST',
          query: {},
          headers: {},
          body: Buffer.alloc(0),
          requestId: 'req-1',
          ...request,
        },
        deps,
      );
      return { ...response, json: JSON.parse(response.body) };
    },
  };
}

/** Headers for an authenticated `POST /events`. */
export function apiKeyHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/json', 'x-api-key': secrets.TAGLANE_API_KEY, ...extra };
}
