/**
 * What the debugger page receives: the JSON of `/debugger/api/*` and the Server-Sent Events of
 * `/debugger/stream`. Types only, shared by the server (`src/local/debugger/`) and the page
 * (`web/debugger/`), so both read the same shape.
 */

/** Where a produced Matomo request is on its way. */
export type DeliveryState =
  | 'queueing'
  | 'queued'
  | 'not-queued'
  | 'in-batch'
  | 'sent'
  | 'recorded'
  | 'skipped'
  | 'invalid'
  | 'retried'
  | 'dead-lettered';

/** One step of a request's delivery, as it happened. */
export interface DeliveryStep {
  /** Unix milliseconds. */
  readonly at: number;
  readonly state: DeliveryState;
  /** A sentence: Matomo's answer, the dead-letter reason and detail, the attempt number. */
  readonly detail?: string;
}

/** A rule as written in its file, for "matched rule file:line" and "why none matched". */
export interface RuleLocation {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** The `when:` text, if the rule has one. */
  readonly when?: string;
}

/** One Matomo tracking request an event produced. */
export interface ProducedRequest {
  readonly id: string;
  readonly eventId: string;
  readonly rule: string;
  readonly ruleAt?: RuleLocation;
  readonly index: number;
  /** Decoded tracking parameters; `cid` once the batcher has sent it. */
  readonly params: Readonly<Record<string, string>>;
  readonly visitorKey: string;
  /** Event time, unix seconds. */
  readonly time: number;
  readonly state: DeliveryState;
  readonly steps: readonly DeliveryStep[];
  /** Optional fields of the rule that produced nothing for this event, so were left out. */
  readonly warnings?: readonly string[];
}

/** The problem a request was refused with (RFC 9457). */
export interface ProblemSummary {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly type?: string;
  /** Any further members (`issues`, `errors`), as sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The overall outcome of one HTTP request. */
export type EntryOutcome = 'pending' | 'accepted' | 'ignored' | 'rejected';

/** One HTTP request ingest answered, with everything it caused; the list's row. */
export interface DebugEntry {
  /** Position in arrival order, 1-based; the page's key. */
  readonly seq: number;
  /** Unix milliseconds. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly route: string;
  readonly source: string | undefined;
  /** `api-key`, `stripe`, …, when the source is known. */
  readonly auth: string | undefined;
  readonly status: number | undefined;
  readonly outcome: EntryOutcome;
  readonly problem?: ProblemSummary;
  /** What was deliberately not queued, as the answer said (the tracker's `X-Taglane-Dropped`). */
  readonly dropped?: string;
  /** The 202 counts (`accepted`, `matched`, `requests`, `ignored`). */
  readonly counts?: Readonly<Record<string, number>>;
  /** The events' ids as ingest logged them (the first 10), also for events no rule matched. */
  readonly eventIds?: readonly string[];
  readonly requests: readonly ProducedRequest[];
  /** Rules of the source, for "why none matched". */
  readonly rules?: readonly RuleLocation[];
}

/** An entry with its request as received, secrets and signatures redacted. */
export interface DebugEntryDetail extends DebugEntry {
  readonly headers: Readonly<Record<string, string>>;
  readonly query: string;
  readonly body: string;
  /** Set when the body was cut to keep the store bounded. */
  readonly bodyTruncated: boolean;
}

/** One message on the dead-letter queue. */
export interface DeadLetterView {
  readonly messageId: string;
  readonly reason: string;
  readonly detail: string;
  readonly requestId?: string;
  readonly source?: string;
  readonly eventId?: string;
  readonly rule?: string;
  readonly params?: Readonly<Record<string, string>>;
}

/** A rule-set (re)load, shown in the page's status line. */
export interface RulesStatus {
  /** Unix milliseconds of the last attempt. */
  readonly at: number;
  readonly ok: boolean;
  /** `file:line:col path: message` lines when the last change was refused. */
  readonly problems: readonly string[];
  readonly sources: readonly { readonly name: string; readonly route: string; readonly auth: string }[];
}

/** A Server-Sent Event's data, by its `event:` name. */
export type StreamMessage =
  | { readonly type: 'snapshot'; readonly entries: readonly DebugEntry[]; readonly rules: RulesStatus }
  | { readonly type: 'entry'; readonly entry: DebugEntry }
  | { readonly type: 'clear' }
  /** Entries up to and including seq `through` left the server's buffer (its capacity or memory budget). */
  | { readonly type: 'evicted'; readonly through: number }
  | { readonly type: 'rules'; readonly rules: RulesStatus };

/** What the playground shows for an event: the requests it produces, or why it cannot. */
export type PlaygroundAnswer =
  | {
      readonly ok: true;
      readonly eventId: string;
      readonly matched: readonly string[];
      readonly requests: readonly {
        readonly rule: string;
        readonly params: Readonly<Record<string, string>>;
        /** Optional values left out, as ingest reports them. */
        readonly warnings?: readonly { readonly field: string; readonly message: string }[];
      }[];
    }
  | { readonly ok: false; readonly problem: string; readonly rule?: string; readonly field?: string };
