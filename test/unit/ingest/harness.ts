import { randomBytes } from 'node:crypto';
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
import { compileRuleSet, loadRuleSet, type RuleSet } from '../../../src/rules/index.ts';
import { EnvSecretSource } from '../../../src/secrets/secrets.ts';

/** Secret values for the shipped rule files and the extra test sources; random per process. */
export const secrets = {
  TAGLANE_API_KEY: `key_${randomBytes(12).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
  GITHUB_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  SHOPIFY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
  SVIX_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  HMAC_SECRET: randomBytes(16).toString('hex'),
};

/** Sources the shipped rules do not have: Standard Webhooks and the generic HMAC scheme. */
const extraRules = [
  {
    path: 'test/svix.yaml',
    text: `source: svix
auth: { standard-webhooks: { secret: SVIX_SECRET } }
site: 3
visitor: { key: '{% data.user %}' }
rules:
  - name: user created
    when: '{% type = "user.created" %}'
    track:
      - event: { category: Users, action: Created }
`,
  },
  {
    path: 'test/acme.yaml',
    text: `source: acme
auth: { hmac: { secret: HMAC_SECRET, header: X-Acme-Signature, prefix: 'sha256=', timestampHeader: X-Acme-Timestamp } }
site: 4
visitor: { key: '{% customer %}' }
rules:
  - name: order placed
    when: '{% kind = "order" %}'
    track:
      - event: { category: Orders, action: Placed, value: '{% total %}' }
`,
  },
];

let shipped: Promise<RuleSet> | undefined;

/** The shipped `rules/` directory plus the extra test sources, compiled once per test file. */
export async function testRules(): Promise<RuleSet> {
  shipped ??= loadRuleSet('rules');
  const base = await shipped;
  const extra = compileRuleSet(extraRules);
  return { sources: new Map([...base.sources, ...extra.sources]) };
}

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
    rules: options.rules ?? (await testRules()),
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
