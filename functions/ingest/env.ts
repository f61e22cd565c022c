import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { SecretsManagerSource } from '../../src/adapters/secrets-manager.ts';
import { SqsQueue } from '../../src/adapters/sqs-queue.ts';
import type { IngestDeps } from '../../src/ingest/index.ts';
import { loadRuleSet } from '../../src/rules/index.ts';
import { EnvSecretSource, type SecretSource } from '../../src/secrets/secrets.ts';

/** The process environment, or any stand-in for it. */
export type Env = Readonly<Record<string, string | undefined>>;

const positiveInt = (name: string, fallback: number) =>
  z
    .string()
    .regex(/^[1-9]\d*$/, `${name} must be a positive integer`)
    .transform(Number)
    .default(fallback);

/** The ingest function's environment (docs/architecture.md); unknown variables are ignored. */
const IngestEnvSchema = z.object({
  TAGLANE_RULES_DIR: z.string().min(1).default('rules'),
  TAGLANE_QUEUE_URL: z.url({ error: 'TAGLANE_QUEUE_URL must be the URL of the SQS queue' }),
  TAGLANE_QUEUE_FIFO: z
    .enum(['true', 'false'], { error: 'TAGLANE_QUEUE_FIFO must be true or false' })
    .default('false'),
  TAGLANE_MAX_EVENTS: positiveInt('TAGLANE_MAX_EVENTS', 500),
  TAGLANE_MAX_BODY_BYTES: positiveInt('TAGLANE_MAX_BODY_BYTES', 1_048_576),
  TAGLANE_SECRET_ARNS: z.string().optional(),
});

/** Adapters `ingestDepsFromEnv` would otherwise build itself. */
export interface IngestOverrides {
  readonly sqs?: SQSClient;
  readonly secrets?: SecretSource;
}

/**
 * The composition root: validates the environment (every problem reported at once), loads and
 * compiles the rule set (a `RuleSetError` stops the cold start), and builds the SQS and
 * secrets adapters. Empty strings count as unset, as CloudFormation cannot omit a variable.
 *
 * @throws Error listing every invalid variable; RuleSetError for invalid rule files.
 */
export async function ingestDepsFromEnv(env: Env, overrides: IngestOverrides = {}): Promise<IngestDeps> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = IngestEnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
    throw new Error(`invalid ingest environment:\n  ${problems.join('\n  ')}`);
  }
  const config = parsed.data;
  const rules = await loadRuleSet(config.TAGLANE_RULES_DIR);
  const secretIds = (config.TAGLANE_SECRET_ARNS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const secrets =
    overrides.secrets ??
    (secretIds.length > 0
      ? new SecretsManagerSource({ client: new SecretsManagerClient({}), secretIds })
      : new EnvSecretSource(env));
  return {
    rules,
    queue: new SqsQueue({
      client: overrides.sqs ?? new SQSClient({}),
      queueUrl: config.TAGLANE_QUEUE_URL,
      fifo: config.TAGLANE_QUEUE_FIFO === 'true',
    }),
    secrets,
    clock: Date.now,
    limits: { maxEvents: config.TAGLANE_MAX_EVENTS, maxBodyBytes: config.TAGLANE_MAX_BODY_BYTES },
  };
}
