/**
 * Splits time-ordered items into at most `lanes` lanes that can be sent concurrently, as
 * Matomo's QueuedTracking gives each visitor one of its queues: items that share any key (a
 * visitor key, a linked anonymous key, a browser id, a uid, a `cid`) are one person, or may be
 * to Matomo, so they always share a lane, in their given order. Within a lane a person's items
 * come together (people in the order of their first item): order only matters per person, and
 * a bulk then holds few people, so the delivery log records it with one write per person
 * rather than one per request. People are spread so the lanes carry as equal a number of
 * items as they can (the largest person first, each to the lane with the fewest items): the
 * batch takes as long as its longest lane, and a hash of each person's key left lanes a tenth
 * apart (docs/benchmarks.md). Empty lanes are left out; with `lanes` 1 the result is the
 * input as one lane.
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
  // People in the order of their first item; an item without keys is a person of its own.
  const people = new Map<string | number, T[]>();
  keyed.forEach(({ item, first }, at) => {
    const root = first === undefined ? at : find(first);
    const person = people.get(root);
    if (person === undefined) people.set(root, [item]);
    else person.push(item);
  });
  const all = [...people.values()];
  const laneOf = new Map<T[], number>();
  const load = new Array<number>(lanes).fill(0);
  // Largest first, each to the least loaded lane (the first of equals): a few large people
  // (a webhook's shared key) cannot pile up in one lane behind the many small ones.
  for (const person of [...all].sort((a, b) => b.length - a.length)) {
    let lane = 0;
    for (let i = 1; i < lanes; i += 1) if ((load[i] ?? 0) < (load[lane] ?? 0)) lane = i;
    load[lane] = (load[lane] ?? 0) + person.length;
    laneOf.set(person, lane);
  }
  const out: T[][] = Array.from({ length: lanes }, () => []);
  for (const person of all) out[laneOf.get(person) ?? 0]?.push(...person);
  return out.filter((lane) => lane.length > 0);
}
