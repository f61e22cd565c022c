import type { CompiledSource } from '../rules/index.ts';
import { deduplicate } from './duplicates.ts';
import { PayloadTooLargeError, QueueUnavailableError } from './errors.ts';
import { evaluate, type IdentifiedEvent } from './evaluate.ts';
import { MessageTooLargeError } from './queue.ts';
import { checkRequestSizes } from './request-size.ts';
import type { Accepted, IngestDeps } from './types.ts';

/**
 * The core every source shares once it has identified its events: drop exact repeats, run the
 * rules, check each tracking request fits a Matomo bulk, queue them all, count and log. Resolves
 * only when every request is on the queue; `/events`, the webhooks and Segment's API
 * (src/sources/segment) all end here.
 *
 * @throws the ingest errors of each step: DuplicateEventIdError and RuleFailedError (422),
 *   PayloadTooLargeError (413), QueueUnavailableError (503).
 */
export async function enqueue(
  source: CompiledSource,
  identified: readonly IdentifiedEvent[],
  requestId: string,
  deps: IngestDeps,
  receivedAt: number,
): Promise<Accepted> {
  const { events: unique, duplicates } = deduplicate(identified);
  const result = await evaluate(source, unique, receivedAt);
  checkRequestSizes(result.requests, deps.limits.maxBulkBytes, (eventId) => pathOf(identified, eventId));
  if (result.requests.length > 0) {
    try {
      await deps.queue.send(result.requests, { requestId });
    } catch (error) {
      if (error instanceof MessageTooLargeError) throw new PayloadTooLargeError(error.message);
      throw new QueueUnavailableError(error);
    }
  }
  const accepted: Accepted = {
    id: requestId,
    accepted: identified.length,
    matched: result.matched,
    requests: result.requests.length,
    ignored: result.ignored,
    ...(duplicates > 0 ? { duplicates } : {}),
    ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
  };
  deps.metrics?.count('matched', accepted.matched, { source: source.name });
  deps.metrics?.count('ignored', accepted.ignored, { source: source.name });
  deps.metrics?.count('requestsQueued', accepted.requests, { source: source.name });
  const { warnings, ...counts } = accepted;
  deps.logger?.info('event accepted', {
    source: source.name,
    eventIds: identified.slice(0, 10).map((e) => e.eventId),
    ...counts,
  });
  if (warnings !== undefined) {
    // Warnings name rule and field, never the value dropped (it may be personal data).
    deps.metrics?.count('warnings', warnings.length, { source: source.name });
    deps.logger?.warn('optional values dropped', { source: source.name, warnings: warnings.slice(0, 20) });
  }
  return accepted;
}

function pathOf(events: readonly IdentifiedEvent[], eventId: string): string {
  return events.find((e) => e.eventId === eventId)?.path ?? '$';
}
