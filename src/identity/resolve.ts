import { hashVisitorKey } from './matomo-ids.ts';
import { type PersonAssignment, type PersonRef, planPeople } from './people.ts';
import type { VisitorStore } from './ports.ts';

/** Options for {@link resolvePeople}. */
export interface ResolvePeopleOptions {
  readonly store: VisitorStore;
  /** Secret keying the HMAC of visitor keys. */
  readonly secret: string;
  /** Unix seconds. */
  readonly now: number;
  readonly newVisitorId: () => string;
}

/**
 * Creates in flight at once. Unbounded, 500 creates all finished at about the same time, so
 * the first bulk waited for the last new person; a few at a time, in the order people appear,
 * the first bulks' people are stored first.
 */
const CREATES_IN_FLIGHT = 16;

/**
 * One plan of who each request is for, while the store writes it needs are under way (see
 * {@link startResolvingPeople}).
 */
export interface PeopleInProgress {
  /** request id -> its visitor id and fingerprint seed, as planned. */
  readonly assignments: ReadonlyMap<string, PersonAssignment>;
  /**
   * Whether the plan holds for these requests: true once every record their keys need is
   * written; false when another writer created one of those keys first (the plan must be
   * made again from the store). Rejects when the store failed.
   */
  stored(requestIds: readonly string[]): Promise<boolean>;
  /** Every write settled: true when the whole plan holds (the store failing rejects it). */
  readonly done: Promise<boolean>;
}

/**
 * Plans who each request is for (see {@link planPeople}) from one batched read of the store,
 * and starts the writes the plan needs without waiting for them: conditional creates for keys
 * never seen (in the order of their first request, as the lanes need them), then, once every
 * create won, the updates of changed keys and the `lastSeen` touches. A caller may send a
 * request to Matomo once {@link PeopleInProgress.stored} says its people are stored, so the
 * first bulks need not wait for every new person of the batch. `refs` must be in time order.
 */
export async function startResolvingPeople(
  refs: readonly PersonRef[],
  options: ResolvePeopleOptions,
): Promise<PeopleInProgress> {
  const hashes = new Map<string, string>();
  const hashOf = (key: string): string => {
    let hash = hashes.get(key);
    if (hash === undefined) {
      hash = hashVisitorKey(key, options.secret);
      hashes.set(key, hash);
    }
    return hash;
  };
  const keysOf = new Map<string, string[]>();
  for (const ref of refs) {
    const own = [hashOf(ref.key), ...(ref.anonymousKey === undefined ? [] : [hashOf(ref.anonymousKey)])];
    keysOf.set(ref.requestId, own);
  }
  const { store, now } = options;
  const stored = await store.getMany([...new Set(hashes.values())]);
  const plan = planPeople(refs, hashOf, stored, now, options.newVisitorId);
  const writes = queued(
    new Map([...plan.creates].map(([hash, change]) => [hash, () => store.create(hash, change, now)])),
    CREATES_IN_FLIGHT,
  );
  const creates = writes.results;
  const created = Promise.all(creates.values()).then((won) => won.every(Boolean));
  // Updates overwrite what another writer may hold: only once every create of the plan won.
  const updated = created.then(async (won) => {
    if (!won) return false;
    await Promise.all([...plan.updates].map(([hash, change]) => store.update(hash, change, now)));
    return true;
  });
  // lastSeen is bookkeeping for expiry, not needed to deliver: a failed touch is tried again later.
  const done = updated.then(async (won) => {
    if (won) await Promise.allSettled(plan.touches.map((hash) => store.touch(hash, now)));
    return won;
  });
  // Settled promises are awaited by whoever asks; these keep an early failure from going unhandled.
  done.catch(() => undefined);
  return {
    assignments: plan.assignments,
    done,
    stored: async (requestIds) => {
      const needed = new Set(requestIds.flatMap((id) => keysOf.get(id) ?? []));
      writes.bump(needed);
      const own = [...needed].flatMap((hash) => {
        const create = creates.get(hash);
        return create === undefined ? [] : [create];
      });
      if (!(await Promise.all(own)).every(Boolean)) return false;
      return [...needed].some((hash) => plan.updates.has(hash)) ? updated : true;
    },
  };
}

/**
 * Runs keyed tasks at most `size` at a time: in the order given, except that {@link bump}ed
 * ones go next (a bulk about to leave asks for its people first).
 */
function queued<T>(
  tasks: ReadonlyMap<string, () => Promise<T>>,
  size: number,
): { readonly results: ReadonlyMap<string, Promise<T>>; bump(keys: Iterable<string>): void } {
  const starts = new Map<string, () => void>();
  const results = new Map<string, Promise<T>>();
  for (const [key, task] of tasks) {
    results.set(
      key,
      new Promise<T>((resolve, reject) => {
        starts.set(key, () => task().then(resolve, reject).finally(next));
      }),
    );
  }
  const order = [...starts.keys()];
  const urgent: string[] = [];
  let running = 0;
  function next(this: void, finished = true): void {
    if (finished) running -= 1;
    while (running < size) {
      const key = urgent.shift() ?? order.shift();
      if (key === undefined) return;
      const start = starts.get(key);
      if (start === undefined) continue;
      starts.delete(key);
      running += 1;
      start();
    }
  }
  next(false);
  return {
    results,
    bump: (keys) => {
      for (const key of keys) if (starts.has(key)) urgent.push(key);
      next(false);
    },
  };
}
