import type { RuleSet } from '../rules/index.ts';
import type { LocalAwsDiedError } from './aws-local.ts';
import type { ServedDestinations } from './banner.ts';
import type { ServeConfig } from './config.ts';
import type { Debugger } from './debugger/index.ts';
import type { InspectedRequest } from './inspector.ts';
import type { GeneratedSecrets } from './local-secrets.ts';

/** Options for `startServer`: the validated configuration and where output goes. */
export interface StartServerOptions extends ServeConfig {
  /**
   * Environment the handlers see (secrets, limits, `POWERTOOLS_METRICS_DISABLED` and
   * `POWERTOOLS_LOG_LEVEL`, applied to their Powertools Metrics and Logger); defaults to
   * `process.env`. `process.env` is not changed.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Progress and inspector lines. @default nothing printed */
  readonly print?: (line: string) => void;
  /**
   * Estimated heap bytes the live debugger may keep requests in; the oldest go past it.
   * @default a sixteenth of the V8 heap limit, at most 64 MiB (`defaultMemoryBudget`)
   */
  readonly debuggerMemoryBudget?: number;
}

/** A running local pipeline. */
export interface RunningServer {
  /** Base URL of the HTTP API. */
  readonly url: string;
  readonly ruleSet: RuleSet;
  readonly generated: GeneratedSecrets;
  readonly missingSecrets: readonly string[];
  /** A real Matomo is used without MATOMO_TOKEN: old events will be dead-lettered. */
  readonly matomoTokenMissing: boolean;
  /** The embedded SQS, so `taglane redrive` can reach it while this server runs. */
  readonly sqs: { readonly endpoint: string; readonly queueUrl: string; readonly dlqUrl: string };
  /** Journaled messages that were still queued when the last run ended, queued again now. */
  readonly replayed: number;
  /** The browser tracker's paths (`/matomo.php` and the tracker file's); empty without a tracker file. */
  readonly trackerPaths: readonly string[];
  /** Where each destination's requests go (for the banner). */
  readonly destinations: ServedDestinations;
  /** The live debugger served at `/`: what each request became, as it happens. */
  readonly debugger: Debugger;
  /** What the inspector received; empty when a real Matomo is used. */
  inspected(): readonly InspectedRequest[];
  /**
   * Resolves when the embedded SQS and DynamoDB thread died (see `LocalAws.died`), once the
   * HTTP server has stopped accepting requests and everything else is stopped: no event can be
   * answered 202 any more, and `close()` rejects with the same error, as nothing can be
   * delivered. Never settles for a server that is closed. Accepted events stay in the queue's
   * journal in the data directory; a start on it queues them again.
   */
  readonly died: Promise<LocalAwsDiedError>;
  /** Waits until the queue is empty; resolves with the number of messages left at the timeout. */
  drain(timeoutMs?: number): Promise<number>;
  /**
   * Stops accepting requests, delivers what is queued (up to the drain timeout), then stops
   * everything. Resolves with the number of messages left undelivered.
   */
  close(): Promise<number>;
}
