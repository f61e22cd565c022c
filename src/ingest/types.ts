import type { RuleSet } from '../rules/index.ts';
import type { SecretSource } from '../secrets/secrets.ts';
import type { TrackerDeps } from '../sources/matomo-tracker/handle.ts';
import type { Issue } from './errors.ts';
import type { QueuePort } from './queue.ts';

/** An HTTP request as `ingest()` sees it, independent of API Gateway or node:http. */
export interface IngestRequest {
  readonly method: string;
  readonly path: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The exact bytes received (base64 bodies already decoded). */
  readonly body: Buffer;
  /** Correlation id: appears in logs, in problem `instance` and as the 202 `id`. */
  readonly requestId: string;
  /** The connection's address (API Gateway's `sourceIp`); the browser tracker sends it as `cip`. */
  readonly sourceIp?: string;
}

/** What `ingest()` answers; the handler maps it to API Gateway's result. */
export interface IngestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** `body` is base64 of binary bytes (the tracker's GIF). */
  readonly isBase64Encoded?: boolean;
}

/** The 202 body; see docs/ingest.md for the exact meaning of each count. */
export interface Accepted {
  readonly id: string;
  readonly accepted: number;
  readonly matched: number;
  readonly requests: number;
  readonly ignored: number;
  /** Events that repeated an earlier event of the POST exactly (same id, same content); absent when none. */
  readonly duplicates?: number;
  /** Optional values left out of the queued requests (docs/rules.md); absent when none. */
  readonly warnings?: readonly Issue[];
}

/** Limits on what one POST may carry. */
export interface IngestLimits {
  /** Largest body accepted, in bytes. @default 1048576 */
  readonly maxBodyBytes: number;
  /** Most events in one `POST /events` array. @default 500 */
  readonly maxEvents: number;
  /**
   * The batcher's bulk body limit (`TAGLANE_BULK_MAX_BYTES`): a tracking request that cannot
   * fit in a bulk of this size is refused at ingest instead of dead-lettered. @default 1048576
   */
  readonly maxBulkBytes: number;
}

/** Structured log sink (Powertools Logger in Lambda). Never given secret values or raw bodies. */
export interface IngestLogger {
  info(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  warn(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  error(message: string, attributes?: Readonly<Record<string, unknown>>): void;
}

/** Metric names ingest emits, all counts. */
export type IngestMetricName =
  | 'received'
  | 'matched'
  | 'ignored'
  | 'rejected'
  | 'requestsQueued'
  | 'warnings';

/** Count sink (Powertools Metrics as CloudWatch EMF in Lambda). */
export interface IngestMetrics {
  count(name: IngestMetricName, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

/** Everything `ingest()` talks to, injected so tests and the local runtime plug in their own. */
export interface IngestDeps {
  readonly rules: RuleSet;
  readonly queue: QueuePort;
  readonly secrets: SecretSource;
  /** Unix milliseconds. */
  readonly clock: () => number;
  readonly limits: IngestLimits;
  readonly logger?: IngestLogger;
  readonly metrics?: IngestMetrics;
  /** The browser tracker endpoint `/matomo.php`; absent: that path answers 404. */
  readonly tracker?: TrackerDeps;
}

/** Default limits, as documented in docs/architecture.md. */
export const DEFAULT_LIMITS: IngestLimits = {
  maxBodyBytes: 1_048_576,
  maxEvents: 500,
  maxBulkBytes: 1_048_576,
};
