import { z } from 'zod';
import { DEFAULT_MAX_RECEIVE_COUNT, minimumMaxReceiveCount, visibilityTimeoutSeconds } from './queues.ts';

/** Log retention periods CloudWatch Logs accepts, in days. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * `-c key=value` always arrives as a string, cdk.json values keep their JSON type: accept
 * both, but only for strings that are really numbers or booleans (an empty string stays an
 * error instead of silently becoming 0).
 */
const num = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v), schema);
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:`), `expected a ${service} ARN`);

/**
 * Every setting of the stack, read from cdk.json `context` or `-c name=value`.
 * Each field's `@default` applies when the key is absent.
 */
export const TaglaneConfigSchema = z
  .strictObject({
    /**
     * Matomo base URL of the `default` destination; the batcher POSTs bulks to
     * `<matomoUrl>/matomo.php`. https. Required unless destinations.yaml gives default a url.
     */
    matomoUrl: z
      .url({ protocol: /^https$/, error: 'expected an https:// URL (the token travels with it)' })
      .optional(),
    /** Destinations file, validated at synth and shipped in both bundles. @default destinations.yaml when present */
    destinationsFile: z.string().min(1).optional(),
    /** Tracker file (docs/browser.md): enables the first-party `/matomo.php` route; validated at synth. @default none */
    trackerFile: z.string().min(1).optional(),
    /** Environment of the destinations file (`-c env=staging`): its URLs, tokens and site ids. @default none */
    env: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/, 'expected an environment name from the destinations file')
      .optional(),
    /** CloudFormation stack name; deploy several pipelines side by side under different names. @default 'Taglane' */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'expected letters, digits and hyphens, starting with a letter')
      .default('Taglane'),
    /** Directory of rule files, validated at synth and shipped in the ingest bundle. @default 'rules' */
    rulesDir: z.string().min(1).default('rules'),
    /** `fifo` keeps strict per-visitor order (message group = visitor). @default 'standard' */
    queueMode: z.enum(['standard', 'fifo']).default('standard'),
    /** Messages per batcher invocation. @default 100 (standard), 10 (fifo, its maximum) */
    batchSize: num(z.number().int().min(1).max(10_000)).optional(),
    /** Seconds SQS gathers a batch before invoking. @default 5 (standard), 0 (fifo: not supported) */
    batchWindowSeconds: num(z.number().int().min(0).max(300)).optional(),
    /**
     * Seconds each request waits on the queue after its event time, so a person's request that
     * arrives up to this late is still delivered before it (standard queues; SQS allows 900).
     * @default 10
     */
    reorderWindowSeconds: num(z.number().int().min(0).max(900)).default(10),
    /** Concurrent batcher invocations: caps the load on Matomo. @default 5 */
    maxConcurrency: num(z.number().int().min(2).max(1000)).default(5),
    /**
     * Receives before SQS moves a message to the dead-letter queue: a safety net above the
     * receives of a 14-day outage (the batcher's delays grow), checked at synth. @default 100
     */
    maxReceiveCount: num(z.number().int().min(1).max(1000)).default(DEFAULT_MAX_RECEIVE_COUNT),
    /** Address subscribed to the alarm topic; none: alarms only reach the topic. @default none */
    alarmEmail: z.email().optional(),
    /**
     * Which alarms (lib/monitoring.ts `AlarmSet`): `minimal` (dead letters, 5xx answers),
     * `standard` (plus delivery delay), `full` (plus retry age, function errors and throttles).
     * Each alarm metric costs $0.10 a month. @default 'standard'
     */
    alarms: z.enum(['minimal', 'standard', 'full']).default('standard'),
    /** Encrypt the alarm topic with a customer managed KMS key ($1 a month). @default false */
    alarmTopicKey: bool.default(false),
    /** Create the CloudWatch dashboard ($3 a month beyond an account's three free ones). @default false */
    dashboard: bool.default(false),
    /** Batcher timeout in seconds; the queue's visibility timeout follows it. @default 60 */
    batcherTimeoutSeconds: num(z.number().int().min(10).max(900)).default(60),
    /** Ingest timeout in seconds (API Gateway waits at most 30). @default 10 */
    ingestTimeoutSeconds: num(z.number().int().min(3).max(29)).default(10),
    /** Ingest memory in MB (CPU scales with it). @default 512 */
    ingestMemoryMb: num(z.number().int().min(128).max(10_240)).default(512),
    /** Batcher memory in MB. @default 512 */
    batcherMemoryMb: num(z.number().int().min(128).max(10_240)).default(512),
    /**
     * `http-api`: API Gateway's HTTP API, throttled, with access logs ($1.00 per million
     * requests). `function-url`: a Lambda function URL, no per-request charge of its own; ingest's
     * reserved concurrency caps a flood instead (docs/deploy.md, "The front door"). @default 'http-api'
     */
    frontDoor: z.enum(['http-api', 'function-url']).default('http-api'),
    /**
     * Concurrent ingest invocations reserved (and at most allowed). @default 10 with
     * `frontDoor=function-url` (about 200 requests/s at 50 ms each), none with the HTTP API
     */
    ingestReservedConcurrency: num(z.number().int().min(1).max(10_000)).optional(),
    /** Steady-state requests per second the HTTP API accepts. @default 100 */
    throttleRateLimit: num(z.number().int().min(1)).default(100),
    /** Burst of requests the HTTP API accepts. @default 200 */
    throttleBurstLimit: num(z.number().int().min(1)).default(200),
    /** Days CloudWatch keeps function and access logs. @default 30 */
    logRetentionDays: num(z.number().int())
      .refine((d) => (RETENTION_DAYS as readonly number[]).includes(d as number), {
        message: `expected one of ${RETENTION_DAYS.join(', ')}`,
      })
      .default(30),
    /** Alarm when the oldest queued request is older than this, in seconds. @default 900 */
    oldestMessageAgeAlarmSeconds: num(z.number().int().min(60)).default(900),
    /** Existing Secrets Manager secret holding `{"MATOMO_TOKEN": ...}`. @default the parameter `/<stackName>/MATOMO_TOKEN` */
    matomoTokenSecretArn: arn('secretsmanager').optional(),
    /** Existing Secrets Manager secret holding webhook secrets and API keys by name. @default one parameter per name */
    webhookSecretsArn: arn('secretsmanager').optional(),
    /** Existing Secrets Manager secret holding `{"TAGLANE_VISITOR_HMAC_KEY": ...}`. @default the parameter the batcher creates */
    visitorKeySecretArn: arn('secretsmanager').optional(),
    /** Keep the table when the stack is deleted (visitor ids outlive a redeploy). @default true */
    retainData: bool.default(true),
  })
  .superRefine(
    (c, ctx) => {
      // Runs even when single fields failed (so every problem is listed at once): a failed
      // field still holds its raw input here, hence the type guards.
      const n = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
      const fifo = c.queueMode === 'fifo';
      const batchSize = n(c.batchSize);
      const window = n(c.batchWindowSeconds);
      if (fifo && batchSize !== undefined && batchSize > 10) {
        ctx.addIssue({ code: 'custom', path: ['batchSize'], message: 'a FIFO queue delivers at most 10' });
      }
      if (fifo && window !== undefined && window > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['batchWindowSeconds'],
          message: 'FIFO event sources do not support a batching window; use 0',
        });
      }
      if (c.queueMode === 'standard' && (batchSize ?? 100) > 10 && window === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['batchWindowSeconds'],
          message: 'a batch size above 10 needs a batching window of at least 1 second',
        });
      }
      const timeout = n(c.batcherTimeoutSeconds);
      const receives = n(c.maxReceiveCount);
      if (timeout !== undefined && receives !== undefined) {
        const visibility = visibilityTimeoutSeconds(timeout, window ?? (fifo ? 0 : 5));
        const minimum = minimumMaxReceiveCount(visibility);
        if (receives < minimum) {
          ctx.addIssue({
            code: 'custom',
            path: ['maxReceiveCount'],
            message: `must be at least ${minimum}: a 14-day outage costs ${minimum - 1} receives with a ${visibility} s visibility timeout, and SQS would dead-letter them`,
          });
        }
      }
      const rate = n(c.throttleRateLimit);
      const burst = n(c.throttleBurstLimit);
      if (rate !== undefined && burst !== undefined && burst < rate) {
        ctx.addIssue({
          code: 'custom',
          path: ['throttleBurstLimit'],
          message: 'must be >= throttleRateLimit',
        });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )
  .transform((c) => ({
    ...c,
    batchSize: c.batchSize ?? (c.queueMode === 'fifo' ? 10 : 100),
    batchWindowSeconds: c.batchWindowSeconds ?? (c.queueMode === 'fifo' ? 0 : 5),
  }));

/** The validated settings of a Taglane stack; see {@link TaglaneConfigSchema} for each field. */
export type TaglaneConfig = z.output<typeof TaglaneConfigSchema>;

/** What a user writes: the same settings, optional where they have a default. */
export type TaglaneConfigInput = z.input<typeof TaglaneConfigSchema>;

/** Names of the settings, so context keys can be picked out of CDK's own. */
export const CONFIG_KEYS: readonly string[] = Object.keys(TaglaneConfigSchema.in.shape);

/** Thrown at synth with every configuration problem at once. */
export class TaglaneConfigError extends Error {
  override readonly name = 'TaglaneConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid Taglane configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Validates raw settings and applies defaults; throws {@link TaglaneConfigError} listing every
 * problem (`batchSize: a FIFO queue delivers at most 10`).
 *
 * @example parseTaglaneConfig({ matomoUrl: 'https://matomo.example.com', queueMode: 'fifo' })
 */
export function parseTaglaneConfig(raw: unknown): TaglaneConfig {
  const result = TaglaneConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new TaglaneConfigError(
    result.error.issues.map((issue) => {
      const path = issue.path.join('.') || '(config)';
      return issue.code === 'unrecognized_keys'
        ? `unknown setting(s) ${issue.keys.join(', ')}; known: ${CONFIG_KEYS.join(', ')}`
        : `${path}: ${issue.message}`;
    }),
  );
}
