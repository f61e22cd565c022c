import type { Env } from '../shared/secret-source.ts';

/** The ingest function's environment (docs/architecture.md), validated and defaulted. */
export interface IngestEnv {
  /** YAML rule set directory, for ingest run from source (`taglane serve`, tests). */
  readonly rulesDir: string;
  /** The rule set, destinations and tracker settings prepared at synth (the deployed function). */
  readonly preparedFile: string | undefined;
  readonly queueUrl: string;
  readonly fifo: boolean;
  readonly maxEvents: number;
  readonly maxBodyBytes: number;
  readonly reorderWindowSeconds: number;
  /** The batcher's bulk limit, read here too: a request no bulk can hold is refused at ingest. */
  readonly maxBulkBytes: number;
  readonly destinationsFile: string | undefined;
  readonly environment: string | undefined;
  readonly trackerFile: string | undefined;
}

/**
 * Validates the ingest environment. By hand, not with zod: the deployed function reads it at
 * every cold start, and zod was the largest module of its bundle. Empty strings count as unset,
 * as CloudFormation cannot omit a variable; unknown variables are ignored.
 *
 * @throws Error listing every invalid variable at once, as `NAME: message`.
 */
export function parseIngestEnv(env: Env): IngestEnv {
  const problems: string[] = [];
  const get = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const fail = (name: string, message: string): void => {
    problems.push(`${name}: ${message}`);
  };
  const positive = (name: string, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (/^[1-9]\d*$/.test(raw)) return Number(raw);
    fail(name, `${name} must be a positive integer`);
    return fallback;
  };
  const queueUrl = get('TAGLANE_QUEUE_URL');
  if (queueUrl === undefined || !URL.canParse(queueUrl))
    fail('TAGLANE_QUEUE_URL', 'TAGLANE_QUEUE_URL must be the URL of the SQS queue');
  const fifo = get('TAGLANE_QUEUE_FIFO') ?? 'false';
  if (fifo !== 'true' && fifo !== 'false')
    fail('TAGLANE_QUEUE_FIFO', 'TAGLANE_QUEUE_FIFO must be true or false');
  const parsed: IngestEnv = {
    rulesDir: get('TAGLANE_RULES_DIR') ?? 'rules',
    preparedFile: get('TAGLANE_PREPARED_FILE'),
    queueUrl: queueUrl ?? '',
    fifo: fifo === 'true',
    maxEvents: positive('TAGLANE_MAX_EVENTS', 500),
    maxBodyBytes: positive('TAGLANE_MAX_BODY_BYTES', 1_048_576),
    reorderWindowSeconds: reorderWindow(get('TAGLANE_REORDER_WINDOW_SECONDS'), fail),
    maxBulkBytes: positive('TAGLANE_BULK_MAX_BYTES', 1_048_576),
    destinationsFile: get('TAGLANE_DESTINATIONS_FILE'),
    environment: get('TAGLANE_ENV'),
    trackerFile: get('TAGLANE_TRACKER_FILE'),
  };
  if (problems.length > 0) throw new Error(`invalid ingest environment:\n  ${problems.join('\n  ')}`);
  return parsed;
}

function reorderWindow(raw: string | undefined, fail: (name: string, message: string) => void): number {
  const name = 'TAGLANE_REORDER_WINDOW_SECONDS';
  if (raw === undefined) return 0;
  const seconds = Number(raw);
  const problem = Number.isNaN(seconds)
    ? `${name} must be a number of seconds`
    : !Number.isInteger(seconds)
      ? `${name} must be whole seconds`
      : seconds < 0
        ? `${name} must be >= 0`
        : seconds > 900
          ? `${name} must be <= 900 (the longest SQS delay)`
          : undefined;
  if (problem === undefined) return seconds;
  fail(name, problem);
  return 0;
}
