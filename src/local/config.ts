import { z } from 'zod';

/** Everything `taglane serve` needs to know, after flags and environment are merged. */
export interface ServeConfig {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly rulesDir: string;
  /** Where visitor ids (DynamoDB data) and the local visitor-key secret are kept. */
  readonly dataDir: string;
  /** A real Matomo; without it the built-in inspector receives the requests. */
  readonly matomoUrl: string | undefined;
  /** `destinations.yaml` to use; undefined: the working directory's, if any. */
  readonly destinationsFile?: string | undefined;
  /** The destinations' environment (`--env staging`). */
  readonly environment?: string | undefined;
  /** Tracker file enabling the browser tracker's paths (docs/browser.md); else `TAGLANE_TRACKER_FILE` of `env`. */
  readonly trackerFile?: string | undefined;
  readonly batchSize: number;
  readonly batchWindowMs: number;
  /** Seconds each request waits after its event time before it is delivered (SQS delay). */
  readonly reorderWindowSeconds?: number;
  readonly visibilityTimeoutSeconds: number;
  /** Longest wait between retries; each failed receive doubles the wait from the visibility timeout. @default 43200 */
  readonly retryMaxDelaySeconds?: number;
  readonly maxReceiveCount: number;
  /** How long shutdown waits for the queue to empty. */
  readonly drainTimeoutMs: number;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const seconds = (max: number) => z.coerce.number().min(0).max(max);

/** Flags as commander hands them over (strings unless defaulted), env already applied. */
const RawServeOptions = z.object({
  host: z.string().min(1),
  port: int(0, 65_535),
  rules: z.string().min(1),
  dataDir: z.string().min(1),
  matomoUrl: z.url({ protocol: /^https?$/ }).optional(),
  destinations: z.string().min(1).optional(),
  trackerFile: z.string().min(1).optional(),
  env: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'expected an environment name from destinations.yaml')
    .optional(),
  batchSize: int(1, 10_000),
  batchWindow: seconds(300),
  reorderWindow: int(0, 900).default(0),
  visibilityTimeout: int(0, 43_200),
  retryMaxDelay: int(1, 43_200).default(43_200),
  maxReceiveCount: int(1, 1000),
  drainTimeout: seconds(3600),
});

/** Thrown with every problem of the flags and environment at once. */
export class ServeConfigError extends Error {
  override readonly name = 'ServeConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid serve options:\n${problems.map((p) => `  --${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Validates the merged flags and environment of `taglane serve`.
 *
 * @example
 * resolveServeConfig({ host: '127.0.0.1', port: '8787', rules: 'rules', dataDir: '.taglane',
 *   batchSize: '10', batchWindow: '0.5', reorderWindow: '0', visibilityTimeout: '30', maxReceiveCount: '100', drainTimeout: '60' })
 */
export function resolveServeConfig(raw: Readonly<Record<string, unknown>>): ServeConfig {
  const parsed = RawServeOptions.safeParse(raw);
  if (!parsed.success) {
    throw new ServeConfigError(
      parsed.error.issues.map((issue) => `${kebab(String(issue.path[0] ?? ''))}: ${issue.message}`),
    );
  }
  const o = parsed.data;
  return {
    host: o.host,
    port: o.port,
    rulesDir: o.rules,
    dataDir: o.dataDir,
    matomoUrl: o.matomoUrl?.replace(/\/+$/, ''),
    destinationsFile: o.destinations,
    environment: o.env,
    trackerFile: o.trackerFile,
    batchSize: o.batchSize,
    batchWindowMs: Math.round(o.batchWindow * 1000),
    reorderWindowSeconds: o.reorderWindow,
    visibilityTimeoutSeconds: o.visibilityTimeout,
    retryMaxDelaySeconds: o.retryMaxDelay,
    maxReceiveCount: o.maxReceiveCount,
    drainTimeoutMs: Math.round(o.drainTimeout * 1000),
  };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
