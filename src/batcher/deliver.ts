import { hashVisitorKey, type PersonAssignment } from '../identity/index.ts';
import { OutOfTimeError } from './errors.ts';
import { entryBytes, envelopeBytes, sortByTime } from './order.ts';
import { type BatchItem, parseMessages, type QueueMessage } from './parse.ts';
import { type ReadyItem, sendByPerson, toEntry } from './people-lanes.ts';
import type { BatcherDeps, DeadLetter, DeadLetterReason, Destination, LoggedRequest } from './ports.ts';
import { applyDelays, planRetries } from './retry.ts';
import type { BulkEntry, BulkStat, SendContext } from './send.ts';

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
    const outcomes = await sendByPerson(ordered, deps, ctx, nowSeconds);
    const delivered: BatchItem[] = [];
    for (const { item } of ordered) {
      const outcome = outcomes.get(item);
      if (outcome === undefined) retry.push(item);
      else if (outcome.kind === 'delivered') delivered.push(item);
      else letters.push(...lettersFor(item, outcome.reason, outcome.detail));
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
    } else if (tooLarge(item, destination, deps.config.maxBytes)) {
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

/** More than the `cid` and synthetic `cip` a request gains, separators and quotes included. */
const ADDED_BYTES = 100;

/**
 * Whether a request can fit no bulk. Form encoding makes a UTF-16 unit at most 9 bytes
 * (`%XX` for each of up to 3 UTF-8 bytes), so that bound clears nearly every request without
 * serialising it; only one the bound cannot clear is sized exactly.
 */
function tooLarge(item: BatchItem, destination: Destination, maxBytes: number): boolean {
  const envelope = envelopeBytes(destination.token);
  let bound = envelope + ADDED_BYTES;
  for (const [name, value] of Object.entries(item.request.params))
    bound += 9 * (name.length + value.length) + 2;
  if (bound <= maxBytes) return false;
  return entryBytes(toEntry(item, SIZING, destination.token !== undefined).query) + envelope > maxBytes;
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
