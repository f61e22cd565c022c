import {
  type PersonAssignment,
  type PersonRef,
  startResolvingPeople,
  syntheticIp,
} from '../identity/index.ts';
import { PeopleChangedError } from './errors.ts';
import { partitionByPerson } from './lanes.ts';
import { groupBy } from './order.ts';
import type { BatchItem } from './parse.ts';
import type { BatcherDeps, Destination } from './ports.ts';
import {
  type BulkEntry,
  type SendContext,
  type SendOutcome,
  sendToDestination,
  settleSuspects,
} from './send.ts';
import { randomVisitorId } from './visitors.ts';

/** A request that passed the checks, with its destination. */
export interface ReadyItem {
  readonly item: BatchItem;
  readonly request: BatchItem['request'];
  readonly destination: Destination;
}

/** Without `config.lanes`, one bulk at a time (the composition roots set TAGLANE_DELIVERY_LANES). */
const DEFAULT_LANES = 1;

/** Plans tried when other writers keep creating the same new keys meanwhile. */
const ATTEMPTS = 3;

/**
 * Sends time-ordered requests to their Matomo, each person in one lane, the lanes at once
 * (see {@link partitionByPerson}). Who each request is for is planned first (one read of the
 * visitor store); the new people's records are written meanwhile, and a bulk waits only for
 * the records of its own people, so the first bulks leave while the batch's later people are
 * still being created. When another batcher created one of a bulk's people first, that lane
 * stops there, and once every lane is done its remaining requests are planned again from what
 * the store holds (at most {@link ATTEMPTS} plans; what is left then is retried). A person's
 * requests never go out before their record is stored, and always in time order.
 *
 * @returns each request's outcome; requests without one are retried
 */
export async function sendByPerson(
  ordered: readonly ReadyItem[],
  deps: BatcherDeps,
  ctx: SendContext,
  nowSeconds: number,
): Promise<Map<BatchItem, SendOutcome>> {
  const outcomes = new Map<BatchItem, SendOutcome>();
  let pending = ordered;
  for (let attempt = 1; pending.length > 0 && attempt <= ATTEMPTS; attempt += 1) {
    // A browser tracker's hit keeps its own ids; only one with a user id is worth remembering,
    // so the person's later server-side requests (keyed by that user id) join its visit.
    const resolvable = pending.filter(
      ({ request }) => !request.passthrough || request.params.uid !== undefined,
    );
    const people = await startResolvingPeople(resolvable.map(refOf), {
      store: deps.visitors,
      secret: deps.config.visitorHmacKey,
      now: nowSeconds,
      newVisitorId: deps.newVisitorId ?? randomVisitorId,
    });
    const stored = (entries: readonly BulkEntry[]): Promise<boolean> =>
      people.stored(entries.map((e) => e.item.request.id));
    const again = new Set<BatchItem>();
    const groups = groupBy(pending, (r) => `${r.destination.url}\n${r.destination.token ?? ''}`);
    for (const group of groups.values()) {
      const [first] = group;
      if (!first) continue;
      const entries = group.map(({ item, destination }) =>
        toEntry(item, people.assignments.get(item.request.id), destination.token !== undefined),
      );
      const keysOf = (entry: BulkEntry): string[] =>
        personKeys(entry.item, people.assignments.get(entry.item.request.id));
      const lanes = partitionByPerson(entries, keysOf, deps.config.lanes ?? DEFAULT_LANES);
      // Lone 500s are judged over all lanes: what another lane got through shows Matomo is up.
      const suspects: BulkEntry[] = [];
      const acceptedBefore = ctx.acceptance?.lastAccepted(first.destination.url);
      const sent = await Promise.all(
        lanes.map(async (lane) => {
          let changed = false;
          const laneCtx: SendContext = {
            ...ctx,
            unindexedInvalid: 0,
            deferSuspects: suspects,
            stored,
            onStopped: (error) => {
              changed = error instanceof PeopleChangedError;
            },
          };
          const laneOutcomes = await sendToDestination(lane, first.destination, laneCtx);
          ctx.unindexedInvalid += laneCtx.unindexedInvalid;
          return { lane, laneOutcomes, changed };
        }),
      );
      const groupOutcomes = new Map(sent.flatMap(({ laneOutcomes }) => [...laneOutcomes]));
      await settleSuspects(groupOutcomes, suspects, acceptedBefore, ctx);
      const suspected = new Set(suspects);
      for (const { lane, changed } of sent)
        for (const entry of lane) {
          const outcome = groupOutcomes.get(entry);
          if (outcome !== undefined) outcomes.set(entry.item, outcome);
          else if (changed && !suspected.has(entry)) again.add(entry.item);
        }
    }
    // Every write of the plan settles before the batch answers (a failed store rejects here).
    if (await people.done) break;
    pending = pending.filter(({ item }) => again.has(item));
  }
  return outcomes;
}

function refOf({ request }: ReadyItem): PersonRef {
  return {
    requestId: request.id,
    key: request.visitor.key,
    anonymousKey: request.visitor.anonymousKey,
    browserId: request.visitor.browserId,
    uid: request.params.uid,
  };
}

/**
 * The bulk entry of a request: its parameters, the person's `cid`, and, when the request has no
 * IP of its own and a token lets Matomo accept one, the person's synthetic address as `cip`,
 * so Matomo's fingerprint fallback never joins two people (see `syntheticIp`). A passthrough
 * request (the browser tracker's own) goes as it came: its ids are the tracker's.
 */
export function toEntry(item: BatchItem, person: PersonAssignment | undefined, hasToken: boolean): BulkEntry {
  // The plan answers for every request it is given; the fallback only keeps the types honest.
  const { cid, seed } = person ?? { cid: randomVisitorId(), seed: randomVisitorId() };
  const params = item.request.params;
  if (item.request.passthrough === true) {
    // The browser's tracker chose its ids; Matomo takes the browser's address only with the token.
    const query = new URLSearchParams(params);
    if (!hasToken) query.delete('cip');
    return { item, query: `?${query.toString()}` };
  }
  const extra = hasToken && params.cip === undefined ? { cid, cip: syntheticIp(seed) } : { cid };
  return { item, query: `?${new URLSearchParams({ ...params, ...extra }).toString()}` };
}

/**
 * Everything that makes two requests one person to Matomo or to the visitor store: requests
 * sharing any of these go out in one lane, in order.
 */
function personKeys(item: BatchItem, person: PersonAssignment | undefined): string[] {
  const { visitor, params } = item.request;
  const cid = person?.cid;
  return [
    `k:${visitor.key}`,
    ...(visitor.anonymousKey === undefined ? [] : [`k:${visitor.anonymousKey}`]),
    ...(visitor.browserId === undefined ? [] : [`b:${visitor.browserId}`]),
    ...(params.uid === undefined ? [] : [`u:${params.uid}`]),
    ...(cid === undefined ? [] : [`c:${cid}`]),
  ];
}
