import { RuleEvaluationError } from '../rules/errors.ts';
import type { CompiledSource } from '../rules/index.ts';
import type { QueuedRequest } from '../tracking/queued-request.ts';
import { type Issue, RuleFailedError } from './errors.ts';

/** One event ready for the rules. */
export interface IdentifiedEvent {
  readonly event: unknown;
  readonly eventId: string;
  /** JSON path of the event in the body: `$` or `$[i]`. */
  readonly path: string;
}

/** Totals over every event of one request. */
export interface Evaluation {
  readonly matched: number;
  readonly ignored: number;
  readonly requests: QueuedRequest[];
  /** Optional values left out, once per event, rule and field (the requests carry them too). */
  readonly warnings: Issue[];
}

/**
 * Runs the rules on every event. Every failing event is reported (not just the first), and
 * if any fails nothing is returned for queuing: one POST is all-or-nothing, so a sender's
 * retry after the rule is fixed cannot create half-duplicated data.
 *
 * @throws RuleFailedError (422) listing each failed event's path, rule and field.
 */
export async function evaluate(
  source: CompiledSource,
  events: readonly IdentifiedEvent[],
  receivedAt: number,
): Promise<Evaluation> {
  const issues: Issue[] = [];
  const requests: QueuedRequest[] = [];
  const warnings: Issue[] = [];
  let matched = 0;
  for (const { event, eventId, path } of events) {
    try {
      const result = await source.map(event, { eventId, receivedAt });
      if (result.matched.length > 0) matched += 1;
      requests.push(...result.requests);
      warnings.push(...warningsOf(result.requests, path));
    } catch (error) {
      if (!(error instanceof RuleEvaluationError)) throw error;
      // `reason`, not `message`: the message quotes the offending value, which may be personal data.
      issues.push({ path, rule: error.rule, field: error.field, message: error.reason });
    }
  }
  if (issues.length > 0) throw new RuleFailedError(issues);
  return { matched, ignored: events.length - matched, requests, warnings };
}

/** One event's request warnings as issues at its path; a `visitor.browserId` one is on every request. */
function warningsOf(requests: readonly QueuedRequest[], path: string): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    for (const { field, message } of request.warnings ?? []) {
      const key = `${request.rule}\n${field}\n${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ path, rule: request.rule, field, message });
    }
  }
  return out;
}
