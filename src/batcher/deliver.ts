import { hashVisitorKey, type PersonAssignment, resolvePeople, syntheticIp } from '../identity/index.ts';
import { OutOfTimeError } from './errors.ts';
import { partitionByPerson } from './lanes.ts';
import { entryBytes, envelopeBytes, groupBy, sortByTime } from './order.ts';
import { type BatchItem, parseMessages, type QueueMessage } from './parse.ts';
import type { BatcherDeps, DeadLetter, DeadLetterReason, Destination, LoggedRequest } from './ports.ts';
import { applyDelays, planRetries } from './retry.ts';
import {
  type BulkEntry,
  type BulkStat,
  type SendContext,
  sendToDestination,
  settleSuspects,
} from './send.ts';
import { randomVisitorId } from './visitors.ts';

/** Counts for metrics and logs. */
export interface DeliveryCounts {
  /** Messages received (a pack of several requests is one); the other counts are requests. */
  received: number;
  delivered: number;
  /** Requests skipped because an earlier delivery recorded them. */
  skipped: number;
  /** Invalid requests Matomo named; they are dead-lettered. */
  invalid: number;
  /** Invalid requests Matomo counted without naming them (no super-user token). */
  invalidUnindexed: number;
  /** Messages handed back to the queue. */
  retried: number;
  deadLettered: Partial<Record<DeadLetterReason, number>>;
  /** Requests found recorded already when recording them: they reached Matomo twice. */
  sentTwice: number;
  /** Delivered requests whose delivered-id write failed (a redelivery would send them again). */
  unrecorded: number;
}

/** The result of {@link deliver}: the SQS partial batch response plus numbers for metrics. */
export interface DeliveryReport {
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly counts: DeliveryCounts;
  readonly bulks: readonly BulkStat[];
  /** Age in seconds of the oldest message handed back to the queue, when its age is known. */
  readonly oldestRetriedSeconds?: number;
}

/** `tracking_requests_require_authentication_when_custom_timestamp_newer_than` default. */
const OLD_CDT_SECONDS = 86_400;

/** Receives on which a request must fail alone before it counts as poison (see send.ts). */
const POISON_AFTER = 5;

/** How long lone failures are counted when no retention is configured. */
const DAY = 86_400;

/** Without `config.lanes`, one bulk at a time (the composition roots set TAGLANE_DELIVERY_LANES). */
const DEFAULT_LANES = 1;

/** Time kept after the last bulk for recording ids, sending dead letters and answering. */
const RESERVE_MS = 1000;

/** What {@link deliver} knows about the invocation it runs in. */
export interface DeliverOptions {
  /** Milliseconds left before the function times out (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingMs?: () => number;
}

/**
 * Delivers a batch of queued requests to Matomo: skips those delivered before, resolves stable
 * visitor ids, sends chronological bulks, dead-letters what can never succeed (with the reason)
 * and returns the messages to retry. Nothing is dropped silently: every message ends delivered,
 * skipped, dead-lettered or in `batchItemFailures`.
 */
export async function deliver(
  messages: readonly QueueMessage[],
  deps: BatcherDeps,
  options: DeliverOptions = {},
): Promise<DeliveryReport> {
  const counts: DeliveryCounts = {
    received: messages.length,
    ...{ delivered: 0, skipped: 0, invalid: 0, invalidUnindexed: 0, retried: 0 },
    ...{ deadLettered: {}, sentTwice: 0, unrecorded: 0 },
  };
  const { items, malformed } = parseMessages(messages);
  const letters: DeadLetter[] = [...malformed];
  const retry: BatchItem[] = [];
  const bulks: BulkStat[] = [];
  const nowSeconds = Math.floor(deps.now() / 1000);
  // Bulks start only while one more fits before the function times out. A function given less
  // than that from the start (a short local visibility timeout) is not held to it, or it
  // could never deliver: it sends as before.
  const bulkNeedsMs = (deps.config.bulkTimeoutMs ?? 10_000) + RESERVE_MS;
  const enforceTime = (options.remainingMs?.() ?? 0) >= bulkNeedsMs;
  const logged = loggedRequests(deps.config.visitorHmacKey);
  try {
    const done = await deps.deliveryLog.delivered(items.map(logged));
    const pending = items.filter((i) => !done.has(i.request.id));
    counts.skipped = items.length - pending.length;
    const ready = await precheck(pending, deps, nowSeconds, letters, retry);
    const ordered = sortByTime(ready);
    // A browser tracker's hit keeps its own ids; only one with a user id is worth remembering,
    // so the person's later server-side requests (keyed by that user id) join its visit.
    const resolvable = ordered.filter(
      ({ request }) => !request.passthrough || request.params.uid !== undefined,
    );
    const people = await resolvePeople(
      resolvable.map(({ request }) => ({
        requestId: request.id,
        key: request.visitor.key,
        anonymousKey: request.visitor.anonymousKey,
        browserId: request.visitor.browserId,
        uid: request.params.uid,
      })),
      {
        store: deps.visitors,
        secret: deps.config.visitorHmacKey,
        now: nowSeconds,
        newVisitorId: deps.newVisitorId ?? randomVisitorId,
      },
    );
    const onDelivered = (entries: readonly BulkEntry[]): Promise<void> =>
      recordDelivered(
        entries.map((e) => logged(e.item)),
        deps,
        nowSeconds,
        counts,
      );
    const ctx: SendContext = {
      onDelivered,
      maxRequests: deps.config.maxRequests,
      maxBytes: deps.config.maxBytes,
      matomo: deps.matomo,
      now: deps.now,
      bulks,
      unindexedInvalid: 0,
      log: deps.log,
      countLoneFailures: (ids) =>
        deps.deliveryLog.countLoneFailures(ids, nowSeconds + (deps.config.retry?.retentionSeconds ?? DAY)),
      poisonAfter: deps.config.poisonAfter ?? POISON_AFTER,
      acceptance: deps.acceptance,
      evidenceSinceMs: deps.now() - 2 * (deps.config.retry?.baseSeconds ?? 0) * 1000,
      checkTime: () => {
        const left = enforceTime ? options.remainingMs?.() : undefined;
        if (left !== undefined && left < bulkNeedsMs) throw new OutOfTimeError(left);
      },
    };
    const delivered: BatchItem[] = [];
    const groups = groupBy(ordered, (r) => `${r.destination.url}\n${r.destination.token ?? ''}`);
    for (const group of groups.values()) {
      const entries = group.map(({ item, destination }) =>
        toEntry(item, people.get(item.request.id), destination.token !== undefined),
      );
      const [first] = group;
      if (!first) continue;
      // Each person's requests in one lane, in time order; the lanes go out at once.
      const keysOf = (entry: BulkEntry): string[] =>
        personKeys(entry.item, people.get(entry.item.request.id));
      const lanes = partitionByPerson(entries, keysOf, deps.config.lanes ?? DEFAULT_LANES);
      // Lone 500s are judged over all lanes: what another lane got through shows Matomo is up.
      const suspects: BulkEntry[] = [];
      const acceptedBefore = ctx.acceptance?.lastAccepted(first.destination.url);
      const laneCtx: SendContext = { ...ctx, unindexedInvalid: 0, deferSuspects: suspects };
      const sent = await Promise.all(
        lanes.map((lane) => sendToDestination(lane, first.destination, laneCtx)),
      );
      const outcomes = new Map(sent.flatMap((laneOutcomes) => [...laneOutcomes]));
      await settleSuspects(outcomes, suspects, acceptedBefore, ctx);
      ctx.unindexedInvalid += laneCtx.unindexedInvalid;
      for (const entry of entries) {
        const outcome = outcomes.get(entry);
        if (outcome === undefined) retry.push(entry.item);
        else if (outcome.kind === 'delivered') delivered.push(entry.item);
        else letters.push(...lettersFor(entry.item, outcome.reason, outcome.detail));
      }
    }
    counts.invalidUnindexed = ctx.unindexedInvalid;
    counts.delivered = delivered.length;
  } catch (error) {
    // The delivery log or the visitor store failed: everything not settled yet is retried.
    deps.log?.error('delivery failed; retrying the batch', { error: String(error) });
    const settled = new Set([...letters.map((l) => l.messageId), ...retry.flatMap((i) => i.messageIds)]);
    retry.push(...items.filter((i) => !i.messageIds.some((m) => settled.has(m))));
  }
  // A retry waits longer on each receive; one the queue would delete first is dead-lettered.
  const byId = new Map(messages.map((m) => [m.messageId, m]));
  const plans = planRetries(retry, byId, deps.now(), deps.config.retry);
  letters.push(...plans.expired);
  const expired = new Set(plans.expired.map((l) => l.messageId));
  const failed = new Set(retry.flatMap((i) => i.messageIds).filter((id) => !expired.has(id)));
  // A pack whose message is retried for one request brings its other requests back too: one
  // that would be dead-lettered now is judged again then, so it is dead-lettered once.
  const due = letters.filter((letter) => !failed.has(letter.messageId));
  const unsent = due.length > 0 ? await deps.deadLetters.send(due).catch(() => allIds(due)) : new Set();
  await applyDelays(plans.delays, failed, deps.retries, deps.log);
  for (const letter of due) {
    if (unsent.has(letter.messageId)) failed.add(letter.messageId);
    else {
      counts.deadLettered[letter.reason] = (counts.deadLettered[letter.reason] ?? 0) + 1;
      // One line per dead letter with its reason (the detail never holds a secret).
      deps.log?.warn(`dead-lettered ${letter.reason}`, { message: letter.messageId, detail: letter.detail });
    }
    if (letter.reason === 'invalid') counts.invalid += 1;
  }
  counts.retried = failed.size;
  const ages = [...failed].flatMap((id) => {
    const sentAtMs = byId.get(id)?.sentAtMs;
    return sentAtMs === undefined ? [] : [Math.max(0, Math.round((deps.now() - sentAtMs) / 1000))];
  });
  return {
    batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })),
    counts,
    bulks,
    ...(ages.length > 0 ? { oldestRetriedSeconds: Math.max(...ages) } : {}),
  };
}

interface ReadyItem {
  readonly item: BatchItem;
  readonly request: BatchItem['request'];
  readonly destination: Destination;
}

/**
 * Dead-letters what Matomo would refuse anyway and retries requests whose destination cannot
 * be used yet (its token secret is unset); returns the rest with their destination.
 */
async function precheck(
  items: readonly BatchItem[],
  deps: BatcherDeps,
  nowSeconds: number,
  letters: DeadLetter[],
  retry: BatchItem[],
): Promise<ReadyItem[]> {
  const ready: ReadyItem[] = [];
  // One lookup per destination name and batch: the token comes from a (cached) secret source.
  const destinations = new Map<string, Promise<Destination | undefined | null>>();
  for (const item of items) {
    const { request } = item;
    let lookup = destinations.get(request.destination);
    if (lookup === undefined) {
      // Logged once per batch and destination; the other destinations' requests still go.
      lookup = deps.destination(request.destination).catch((error: unknown) => {
        deps.log?.error('destination unavailable; its requests are retried', {
          destination: request.destination,
          error: String(error),
        });
        return null;
      });
      destinations.set(request.destination, lookup);
    }
    const destination = await lookup;
    if (destination === null) retry.push(item);
    else if (destination === undefined) {
      letters.push(
        ...lettersFor(item, 'unknown-destination', `no Matomo configured as "${request.destination}"`),
      );
    } else if (destination.token === undefined && nowSeconds - request.time >= OLD_CDT_SECONDS) {
      const detail =
        'event time is 24 hours or more in the past; Matomo rejects such a cdt without MATOMO_TOKEN';
      letters.push(...lettersFor(item, 'old-cdt-without-token', detail));
    } else if (destination.token === undefined && request.params.cip !== undefined && !request.passthrough) {
      const detail = "the request carries the person's IP (cip); Matomo rejects it without MATOMO_TOKEN";
      letters.push(...lettersFor(item, 'cip-without-token', detail));
    } else if (
      entryBytes(toEntry(item, SIZING, destination.token !== undefined).query) +
        envelopeBytes(destination.token) >
      deps.config.maxBytes
    ) {
      letters.push(
        ...lettersFor(
          item,
          'too-large',
          `request is larger than the ${deps.config.maxBytes}-byte bulk limit`,
        ),
      );
    } else ready.push({ item, request, destination });
  }
  return ready;
}

/** A stand-in person with the longest synthetic address, for sizing a request before resolving. */
const SIZING: PersonAssignment = { cid: '0000000000000000', seed: 'ffffffffffffffff' };

/**
 * The bulk entry of a request: its parameters, the person's `cid`, and, when the request has no
 * IP of its own and a token lets Matomo accept one, the person's synthetic address as `cip`,
 * so Matomo's fingerprint fallback never joins two people (see `syntheticIp`). A passthrough
 * request (the browser tracker's own) goes as it came: its ids are the tracker's.
 */
function toEntry(item: BatchItem, person: PersonAssignment | undefined, hasToken: boolean): BulkEntry {
  // resolvePeople answers for every request it is given; the fallback only keeps the types honest.
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

function lettersFor(item: BatchItem, reason: DeadLetterReason, detail: string): DeadLetter[] {
  return item.messageIds.map((messageId) => ({ messageId, reason, detail, body: item.body }));
}

function allIds(letters: readonly DeadLetter[]): ReadonlySet<string> {
  return new Set(letters.map((l) => l.messageId));
}

/**
 * A batch's requests as the delivery log files them, under their visitor key's HMAC; each key
 * is hashed once per batch (a person's requests usually come together).
 */
function loggedRequests(secret: string): (item: BatchItem) => LoggedRequest {
  const hashes = new Map<string, string>();
  return ({ request }) => {
    let bucket = hashes.get(request.visitor.key);
    if (bucket === undefined) {
      bucket = hashVisitorKey(request.visitor.key, secret);
      hashes.set(request.visitor.key, bucket);
    }
    return { id: request.id, bucket };
  };
}

async function recordDelivered(
  delivered: readonly LoggedRequest[],
  deps: BatcherDeps,
  nowSeconds: number,
  counts: DeliveryCounts,
): Promise<void> {
  if (delivered.length === 0) return;
  const ids = delivered.map((r) => r.id);
  try {
    const twice = await deps.deliveryLog.record(delivered, nowSeconds + deps.config.deliveredTtlSeconds);
    counts.sentTwice += twice.length;
    if (twice.length > 0) deps.log?.warn('requests were delivered to Matomo twice', { ids: twice });
  } catch (error) {
    // Matomo has them: retrying would send them again, so they count as delivered and the
    // failed write is reported. This is the one window where a redelivery can duplicate.
    counts.unrecorded += ids.length;
    deps.log?.error('could not record delivered request ids', { error: String(error), count: ids.length });
  }
}
