import type { MatomoEndpoint } from '../matomo/client.ts';
import { MatomoError, MatomoPayloadTooLargeError } from '../matomo/errors.ts';
import { OutOfTimeError, PeopleChangedError } from './errors.ts';
import { chunkBySize, entryBytes, envelopeBytes } from './order.ts';
import type { BatchItem } from './parse.ts';
import type { AcceptanceLog, BatcherLog, DeadLetterReason, Destination } from './ports.ts';

/** One request ready for a bulk: the queued item and its query-string entry. */
export interface BulkEntry {
  readonly item: BatchItem;
  readonly query: string;
}

/** What became of an entry; entries without an outcome are retried. */
export type SendOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'dead'; readonly reason: DeadLetterReason; readonly detail: string };

/** Numbers about one bulk POST, for metrics. */
export interface BulkStat {
  readonly size: number;
  readonly latencyMs: number;
  readonly outcome: 'accepted' | 'rejected' | 'too-large' | 'unavailable';
}

/** What {@link sendToDestination} needs. */
export interface SendContext {
  readonly matomo: MatomoEndpoint;
  readonly now: () => number;
  readonly maxRequests: number;
  readonly maxBytes: number;
  readonly bulks: BulkStat[];
  /** Invalid requests Matomo did not name (no super-user token): counted, not retried. */
  unindexedInvalid: number;
  readonly log: BatcherLog | undefined;
  /** Called after each accepted bulk with its delivered entries, before the next bulk goes out. */
  readonly onDelivered: (entries: readonly BulkEntry[]) => Promise<void>;
  /** Throws {@link OutOfTimeError} when no further bulk may start in this invocation. */
  readonly checkTime: () => void;
  /** Counts one more receive on which each request failed alone; returns the totals by id. */
  readonly countLoneFailures: (ids: readonly string[]) => Promise<ReadonlyMap<string, number>>;
  /** Lone failures (on distinct receives) that make a request poison. */
  readonly poisonAfter: number;
  /** When Matomo last accepted a bulk, across invocations (see `AcceptanceLog`). */
  readonly acceptance: AcceptanceLog | undefined;
  /** Bulks Matomo accepted since then (unix ms, in earlier invocations) show that it works. */
  readonly evidenceSinceMs: number;
  /**
   * When set, lone 500s are collected here instead of judged: the caller sends several lanes at
   * once and judges them all together with {@link settleSuspects}.
   */
  readonly deferSuspects?: BulkEntry[];
  /**
   * Resolves true once the visitor records of the entries' people are stored (false: another
   * writer created one first). A bulk goes out only then, so the first bulks of a batch need
   * not wait for the batch's last new person. Unset: everyone is stored already.
   */
  readonly stored?: (entries: readonly BulkEntry[]) => Promise<boolean>;
  /** Told why the entries stopped before all were sent (an outage, the time, people changed). */
  readonly onStopped?: (error: unknown) => void;
}

/**
 * Bulks of one a suspect gets per receive. With 60 % of bulks failing at random, a request
 * fails 4 lone attempts on 5 receives with a chance of 0.6^20 (4 in 100,000).
 */
const LONE_ATTEMPTS = 4;

const INVALID_DETAIL =
  'Matomo counted this request invalid (unknown idsite or idgoal, cid not 16 hex, duplicate ec_id, ' +
  'or cip/location/old cdt without a token with write access)';

/**
 * Sends time-ordered entries to one Matomo in bulks, splitting a bulk that Matomo rolled back
 * (500) or refused as too large (413) until the culprits stand alone. Stops at the first outage
 * so the rest keep their order on the retry.
 */
export async function sendToDestination(
  entries: readonly BulkEntry[],
  destination: Destination,
  ctx: SendContext,
): Promise<Map<BulkEntry, SendOutcome>> {
  const outcomes = new Map<BulkEntry, SendOutcome>();
  const suspects: BulkEntry[] = [];
  const acceptedBefore = ctx.acceptance?.lastAccepted(destination.url);
  const limits = { maxRequests: ctx.maxRequests, maxBytes: ctx.maxBytes - envelopeBytes(destination.token) };
  try {
    for (const chunk of chunkBySize(entries, (e) => entryBytes(e.query), limits)) {
      await sendSplitting(chunk, destination, ctx, outcomes, suspects);
    }
    // A flaky Matomo fails lone requests too: while it shows it works, each suspect is tried
    // alone again, and only one that fails every attempt counts (see below).
    for (let attempt = 1; attempt < LONE_ATTEMPTS && suspects.length > 0; attempt += 1) {
      if (!worksNow(outcomes, acceptedBefore, ctx)) break;
      for (const entry of suspects.splice(0)) {
        await sendSplitting([entry], destination, ctx, outcomes, suspects);
      }
    }
  } catch (error) {
    ctx.onStopped?.(error);
    const unsent = entries.filter((e) => !outcomes.has(e)).length;
    if (error instanceof PeopleChangedError) ctx.log?.info(error.message, { unsent });
    else {
      const why = error instanceof OutOfTimeError ? 'Out of time' : 'Matomo unavailable';
      ctx.log?.warn(`${why}; requests go back to the queue`, { error: describe(error), unsent });
    }
  }
  if (ctx.deferSuspects !== undefined) ctx.deferSuspects.push(...suspects);
  else await settleSuspects(outcomes, suspects, acceptedBefore, ctx);
  return outcomes;
}

/**
 * Judges the requests Matomo answered with 500 on their own (over every lane of a batch):
 * dead-lettered as `rejected` once they failed alone on `poisonAfter` receives while Matomo
 * showed it works; left to retry otherwise. `acceptedBefore` is when Matomo last accepted a
 * bulk before this batch was sent.
 */
export async function settleSuspects(
  outcomes: Map<BulkEntry, SendOutcome>,
  suspects: readonly BulkEntry[],
  acceptedBefore: number | undefined,
  ctx: SendContext,
): Promise<void> {
  // A lone request answered with 500 on every attempt is a suspect, not yet poison: a flaky
  // Matomo fails lone requests too. Its lone failure counts only with evidence that Matomo
  // works: it accepted another bulk in this run or shortly before (when nothing got through,
  // Matomo itself may be failing). Retries of one request are at least one base delay apart,
  // so when Matomo answers 500 to everything a request's count grows once or twice at most,
  // while poison fails alone on every receive as other traffic flows. Once it failed alone on
  // `poisonAfter` receives it is dead-lettered; until then it is retried like any other.
  const evident = worksNow(outcomes, acceptedBefore, ctx) ? suspects : [];
  if (evident.length > 0) {
    const totals = await ctx.countLoneFailures(evident.map((e) => e.item.request.id)).catch((error) => {
      ctx.log?.warn('could not count lone failures; the requests are retried', { error: describe(error) });
      return new Map<string, number>();
    });
    for (const entry of evident) {
      const failures = totals.get(entry.item.request.id) ?? 0;
      if (failures < ctx.poisonAfter) continue;
      outcomes.set(entry, {
        kind: 'dead',
        reason: 'rejected',
        detail:
          `Matomo answered 500 to this request alone (${LONE_ATTEMPTS} attempts each) on ${failures} ` +
          'receives while accepting other bulks (e.g. a crash or ca=1 request no plugin handles)',
      });
    }
  }
}

async function sendSplitting(
  chunk: readonly BulkEntry[],
  destination: Destination,
  ctx: SendContext,
  outcomes: Map<BulkEntry, SendOutcome>,
  suspects: BulkEntry[],
): Promise<void> {
  ctx.checkTime();
  if (ctx.stored !== undefined && !(await ctx.stored(chunk))) throw new PeopleChangedError();
  const started = ctx.now();
  const stat = (outcome: BulkStat['outcome'], counts: Record<string, number> = {}): void => {
    const latencyMs = ctx.now() - started;
    ctx.bulks.push({ size: chunk.length, latencyMs, outcome });
    // One line per bulk: the terminal of `taglane serve` shows each delivery as it happens.
    ctx.log?.info(`bulk ${outcome}`, { requests: chunk.length, ...counts, ms: latencyMs });
  };
  try {
    const accepted = await ctx.matomo.sendBulk({
      url: destination.url,
      token: destination.token,
      requests: chunk.map((e) => e.query),
      ids: chunk.map((e) => e.item.request.id),
    });
    ctx.acceptance?.accepted(destination.url, ctx.now());
    const invalid = new Set(accepted.invalidIndices ?? []);
    stat('accepted', { tracked: accepted.tracked, invalid: accepted.invalid });
    if (accepted.invalidIndices === undefined && accepted.invalid > 0) {
      ctx.unindexedInvalid += accepted.invalid;
      ctx.log?.warn('Matomo counted requests invalid without saying which (use a super-user token)', {
        invalid: accepted.invalid,
        sent: chunk.length,
      });
    }
    for (const [index, entry] of chunk.entries()) {
      const outcome: SendOutcome = invalid.has(index)
        ? { kind: 'dead', reason: 'invalid', detail: INVALID_DETAIL }
        : { kind: 'delivered' };
      outcomes.set(entry, outcome);
    }
    await ctx.onDelivered(chunk.filter((_, index) => !invalid.has(index)));
  } catch (error) {
    if (!(error instanceof MatomoError) || !error.splittable) {
      stat('unavailable');
      throw error;
    }
    const tooLarge = error instanceof MatomoPayloadTooLargeError;
    stat(tooLarge ? 'too-large' : 'rejected');
    const [only] = chunk;
    if (chunk.length === 1 && only) {
      if (tooLarge) {
        outcomes.set(only, {
          kind: 'dead',
          reason: 'too-large',
          detail: 'Matomo answered 413 to this request alone',
        });
      } else suspects.push(only);
      return;
    }
    const middle = Math.ceil(chunk.length / 2);
    await sendSplitting(chunk.slice(0, middle), destination, ctx, outcomes, suspects);
    await sendSplitting(chunk.slice(middle), destination, ctx, outcomes, suspects);
  }
}

/** Whether Matomo accepted a bulk in this run or shortly before: evidence that it works. */
function worksNow(
  outcomes: ReadonlyMap<BulkEntry, SendOutcome>,
  acceptedBefore: number | undefined,
  ctx: SendContext,
): boolean {
  if ([...outcomes.values()].some((o) => o.kind === 'delivered')) return true;
  return acceptedBefore !== undefined && acceptedBefore >= ctx.evidenceSinceMs;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
