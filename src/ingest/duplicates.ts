import { DuplicateEventIdError } from './errors.ts';
import type { IdentifiedEvent } from './evaluate.ts';

/** The events of one POST with each id once, and how many repeated an earlier one exactly. */
export interface Deduplicated {
  readonly events: IdentifiedEvent[];
  readonly duplicates: number;
}

/**
 * Two events of one POST with the same id would get the same request ids, and the batcher
 * would deliver only the first. The very same event twice (a sender merging a retry into a
 * batch) is counted as a duplicate and mapped once; two different events sharing an id are a
 * sender's bug, refused rather than one of them dropped while the answer counts both.
 *
 * @throws DuplicateEventIdError (422) naming each later event and the earlier one it collides with
 */
export function deduplicate(events: readonly IdentifiedEvent[]): Deduplicated {
  // Contents are compared only on a collision: most POSTs have none, and this runs for each one.
  const first = new Map<string, IdentifiedEvent>();
  const kept: IdentifiedEvent[] = [];
  const collisions: { path: string; earlier: string }[] = [];
  let duplicates = 0;
  for (const event of events) {
    const earlier = first.get(event.eventId);
    if (earlier === undefined) {
      first.set(event.eventId, event);
      kept.push(event);
    } else if (sameJson(earlier.event, event.event)) {
      duplicates += 1;
    } else {
      collisions.push({ path: event.path, earlier: earlier.path });
    }
  }
  if (collisions.length > 0) throw new DuplicateEventIdError(collisions);
  return { events: kept, duplicates };
}

/**
 * Deep equality of two parsed JSON values, with an explicit stack: events may nest deeper than
 * the call stack allows recursion (or JSON.stringify) to go.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [x, y] = pair;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const xKeys = Object.keys(x);
    const yKeys = Object.keys(y);
    if (xKeys.length !== yKeys.length) return false;
    for (const key of xKeys) {
      if (!Object.hasOwn(y, key)) return false;
      pending.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]]);
    }
  }
  return true;
}
