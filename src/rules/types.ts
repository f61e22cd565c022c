import type { AuthConfig } from '../auth/types.ts';
import type { QueuedRequest } from '../tracking/queued-request.ts';

/** How requests to a source are authenticated; secret names, never values. Defined once, in src/auth. */
export type { AuthConfig };

/** What one event produced: the rules that matched and their requests, in order. */
export interface MapResult {
  /** Names of matching rules; empty means the event was ignored. */
  readonly matched: string[];
  readonly requests: QueuedRequest[];
}

/** Context of one mapping: the event's identity and when it arrived. */
export interface MapContext {
  readonly eventId: string;
  /** Unix milliseconds. */
  readonly receivedAt: number;
}

/** One `examples:` entry of a rule, ready to run. */
export interface RuleExample {
  readonly rule: string;
  /** Position among the rule's examples. */
  readonly index: number;
  /** The event file as written, relative to the rule file. */
  readonly given: string;
  readonly expect?: readonly Readonly<Record<string, string | number | boolean | null>>[];
  readonly error?: string;
  readonly line: number;
  readonly column: number;
}

/** One compiled rule file. */
export interface CompiledSource {
  /** `source:` of the file. */
  readonly name: string;
  readonly file: string;
  readonly auth: AuthConfig;
  readonly destination: string;
  readonly rules: readonly { readonly name: string }[];
  readonly examples: readonly RuleExample[];
  /** The event's own identity from the file's `id:` expression or its `id` field, if any. */
  eventId(event: unknown): Promise<string | undefined>;
  /**
   * The answer a webhook's URL check wants echoed (the file's `challenge:` expression, e.g.
   * Slack's url_verification), or undefined for an ordinary event.
   */
  challenge(event: unknown): Promise<string | undefined>;
  /** Runs every rule; throws RuleEvaluationError (rule, field, value) when one breaks Matomo's rules. */
  map(event: unknown, ctx: MapContext): Promise<MapResult>;
}

/** A compiled rule set: one source per rule file, by name. */
export interface RuleSet {
  readonly sources: ReadonlyMap<string, CompiledSource>;
}
