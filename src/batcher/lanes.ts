import { createHash } from 'node:crypto';

/**
 * Splits time-ordered items into at most `lanes` lanes that can be sent concurrently, as
 * Matomo's QueuedTracking gives each visitor one of its queues: items that share any key (a
 * visitor key, a linked anonymous key, a browser id, a uid, a `cid`) are one person, or may be
 * to Matomo, so they always share a lane, in their given order. Within a lane a person's items
 * come together (people in the order of their first item): order only matters per person, and
 * a bulk then holds few people, so the delivery log records it with one write per person
 * rather than one per request. Which lane a person gets depends only on the person's keys (a
 * hash of the smallest), not on the rest of the batch. Empty lanes are left out; with `lanes`
 * 1 the result is the input as one lane.
 */
export function partitionByPerson<T>(
  items: readonly T[],
  keysOf: (item: T) => readonly string[],
  lanes: number,
): T[][] {
  if (lanes <= 1 || items.length <= 1) return items.length === 0 ? [] : [[...items]];
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    for (let up = parent.get(root); up !== undefined && up !== root; up = parent.get(root)) root = up;
    // Path compression keeps later finds short.
    for (let at = key; at !== root; ) {
      const next = parent.get(at) ?? root;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  const union = (a: string, b: string): void => {
    const [ra, rb] = [find(a), find(b)];
    // The smaller key is the root: the person's lane then does not depend on the order of items.
    if (ra < rb) parent.set(rb, ra);
    else if (rb < ra) parent.set(ra, rb);
  };
  const keyed = items.map((item) => {
    // An item without keys is a person of its own.
    const keys = keysOf(item);
    for (const key of keys) if (!parent.has(key)) parent.set(key, key);
    const [first, ...rest] = keys;
    if (first !== undefined) for (const key of rest) union(first, key);
    return { item, first };
  });
  const out: T[][] = Array.from({ length: lanes }, () => []);
  const people = new Map<string, T[]>();
  let spread = 0;
  for (const { item, first } of keyed) {
    if (first === undefined) {
      out[spread++ % lanes]?.push(item);
      continue;
    }
    const root = find(first);
    const person = people.get(root);
    if (person === undefined) people.set(root, [item]);
    else person.push(item);
  }
  // People in the order of their first item, each person's items together.
  for (const [root, person] of people) out[laneOf(root, lanes)]?.push(...person);
  return out.filter((lane) => lane.length > 0);
}

function laneOf(key: string, lanes: number): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) % lanes;
}
