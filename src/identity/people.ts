import { userVisitorId } from './matomo-ids.ts';
import type { PersonChange, PersonRecord } from './ports.ts';

/** What identity resolution needs to know about one queued request. */
export interface PersonRef {
  readonly requestId: string;
  /** The rule's `visitor.key`. */
  readonly key: string;
  /** The anonymous key the person had before `key` (`visitor.anonymousId`). */
  readonly anonymousKey?: string | undefined;
  /** The browser's `_pk_id` visitor id (`visitor.browserId`). */
  readonly browserId?: string | undefined;
  /** The request's `uid`, if it has one. */
  readonly uid?: string | undefined;
}

/** Who a request is for in Matomo. */
export interface PersonAssignment {
  /** Sent as `cid`. */
  readonly cid: string;
  /** The person's fingerprint seed (see `syntheticIp`). */
  readonly seed: string;
}

/** The outcome of {@link planPeople}: an answer per request and the store writes it needs. */
export interface PersonPlan {
  readonly assignments: ReadonlyMap<string, PersonAssignment>;
  readonly creates: ReadonlyMap<string, PersonChange>;
  readonly updates: ReadonlyMap<string, PersonChange>;
  readonly touches: readonly string[];
}

/** `lastSeen` is only moved when it is older than this, to spare a write per key per batch. */
const TOUCH_AFTER_SECONDS = 86_400;

interface Working {
  visitorId: string;
  seed: string;
  userBound: boolean;
  links: Set<string>;
  readonly isNew: boolean;
  readonly lastSeen: number;
  dirty: boolean;
}

/**
 * Decides, request by request in time order, which visitor id each request is sent with and
 * what the store must remember, the way Matomo forms visits (core/Tracker/Request.php,
 * VisitorRecognizer.php):
 * - a request with `uid` is recorded under `sha1(uid)[0:16]` whatever `cid` says, and the visit
 *   is rewritten to that id, so from then on every request of the person, anonymous ones too,
 *   is sent with it;
 * - a request with both a key and an anonymous key links the two: a new key takes over the
 *   other's identity, and the anonymous key follows the identified person from then on;
 * - a browser id joins the request to the browser's visit while no user id of the person is
 *   known (it becomes the person's id); afterwards the user id's hash wins;
 * - the fingerprint seed is the anonymous key's when there is one (the device the person was
 *   using), so Matomo's fingerprint fallback for a first `uid` finds that person's visit only.
 *
 * Pure: `stored` is what the store held, `newVisitorId` makes ids for people never seen.
 */
export function planPeople(
  refs: readonly PersonRef[],
  hashOf: (key: string) => string,
  stored: ReadonlyMap<string, PersonRecord>,
  now: number,
  newVisitorId: () => string,
): PersonPlan {
  const state = new Map<string, Working>();
  const load = (hash: string): Working | undefined => {
    const known = state.get(hash);
    if (known) return known;
    const record = stored.get(hash);
    if (!record) return undefined;
    const working = { ...record, links: new Set(record.links), isNew: false, dirty: false };
    state.set(hash, working);
    return working;
  };
  const add = (hash: string, from: Pick<Working, 'visitorId' | 'seed' | 'userBound'> | undefined) => {
    const fresh = (id: string) => ({ visitorId: id, seed: id, userBound: false });
    const { visitorId, seed, userBound } = from ?? fresh(newVisitorId());
    const working = {
      visitorId,
      seed,
      userBound,
      links: new Set<string>(),
      isNew: true,
      lastSeen: now,
      dirty: true,
    };
    state.set(hash, working);
    return working;
  };

  const assignments = new Map<string, PersonAssignment>();
  for (const ref of refs) {
    const hK = hashOf(ref.key);
    const hA = ref.anonymousKey === undefined ? undefined : hashOf(ref.anonymousKey);
    let anonymous = hA === undefined || hA === hK ? undefined : load(hA);
    const person = load(hK) ?? add(hK, anonymous);
    if (hA !== undefined && hA !== hK) {
      anonymous ??= add(hA, person);
      link(person, hA);
      link(anonymous, hK);
      follow(anonymous, person);
    }
    const uidId = ref.uid === undefined ? undefined : userVisitorId(ref.uid);
    const browserId = ref.browserId?.toLowerCase();
    if (uidId !== undefined) {
      bindToUser(person, uidId);
      if (anonymous) bindToUser(anonymous, uidId);
    } else if (browserId !== undefined && !person.userBound && person.visitorId !== browserId) {
      person.visitorId = browserId;
      person.dirty = true;
    }
    assignments.set(ref.requestId, {
      // Once the person's user id is known, Matomo keeps their visits under its hash, the
      // browser's included when its tracker sends the user id too.
      cid: uidId ?? (person.userBound ? person.visitorId : (browserId ?? person.visitorId)),
      seed: (anonymous ?? person).seed,
    });
  }

  const creates = new Map<string, PersonChange>();
  const updates = new Map<string, PersonChange>();
  const touches: string[] = [];
  for (const [hash, w] of state) {
    const change = { visitorId: w.visitorId, seed: w.seed, userBound: w.userBound, links: [...w.links] };
    if (w.isNew) creates.set(hash, change);
    else if (w.dirty) updates.set(hash, change);
    else if (now - w.lastSeen >= TOUCH_AFTER_SECONDS) touches.push(hash);
  }
  return { assignments, creates, updates, touches };
}

function link(working: Working, hash: string): void {
  if (working.links.has(hash)) return;
  working.links.add(hash);
  working.dirty = true;
}

/** The anonymous key's requests go where the identified person's go from now on. */
function follow(anonymous: Working, person: Working): void {
  if (anonymous.visitorId === person.visitorId && anonymous.userBound === person.userBound) return;
  anonymous.visitorId = person.visitorId;
  anonymous.userBound = person.userBound;
  anonymous.dirty = true;
}

function bindToUser(working: Working, uidId: string): void {
  if (working.userBound && working.visitorId === uidId) return;
  working.visitorId = uidId;
  working.userBound = true;
  working.dirty = true;
}
