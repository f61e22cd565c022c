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

/** Plans tried when other writers keep creating the same new keys meanwhile. */
const ATTEMPTS = 3;

/**
 * Resolves who each request is for (see {@link planPeople}) against the visitor store: one
 * batched read, conditional creates for keys never seen, then updates for changed ones. When a
 * concurrent batcher created one of the new keys first, the plan is made again from what the
 * store holds now, so both end with the same id. `refs` must be in time order.
 *
 * @returns request id -> its visitor id and fingerprint seed
 */
export async function resolvePeople(
  refs: readonly PersonRef[],
  options: ResolvePeopleOptions,
): Promise<ReadonlyMap<string, PersonAssignment>> {
  const hashes = new Map<string, string>();
  const hashOf = (key: string): string => {
    let hash = hashes.get(key);
    if (hash === undefined) {
      hash = hashVisitorKey(key, options.secret);
      hashes.set(key, hash);
    }
    return hash;
  };
  for (const ref of refs) {
    hashOf(ref.key);
    if (ref.anonymousKey !== undefined) hashOf(ref.anonymousKey);
  }
  const { store, now } = options;
  for (let attempt = 1; ; attempt += 1) {
    const stored = await store.getMany([...new Set(hashes.values())]);
    const plan = planPeople(refs, hashOf, stored, now, options.newVisitorId);
    const won = await Promise.all([...plan.creates].map(([hash, change]) => store.create(hash, change, now)));
    if (won.every(Boolean)) {
      await Promise.all([...plan.updates].map(([hash, change]) => store.update(hash, change, now)));
      // lastSeen is bookkeeping for expiry, not needed to deliver: a failed touch is tried again later.
      await Promise.allSettled(plan.touches.map((hash) => store.touch(hash, now)));
      return plan.assignments;
    }
    if (attempt >= ATTEMPTS) throw new Error('visitor records kept changing while they were created');
  }
}
