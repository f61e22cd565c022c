import type { BatcherDeps, DeadLetterSink, DeliveryLog } from '../../batcher/ports.ts';
import type { MatomoEndpoint } from '../../matomo/client.ts';
import { requestsOf } from '../../tracking/queued-pack.ts';
import { parseJsonObject } from '../json-object.ts';
import type { SqsBatchHandler } from '../poller.ts';
import type { EventStore } from './store.ts';
import type { DeliveryState } from './wire.ts';

/** A queued request of the batch being delivered, found again in the bulks by its parameters. */
interface BatchItem {
  readonly id: string;
  /** `URLSearchParams(params)` as the batcher writes it, before it appends `cid`. */
  readonly key: string;
}

/** A batch item with the receive it is on. */
interface Received extends BatchItem {
  readonly attempt: number;
}

/** A batch the handler is delivering: its items by parameter key, and the ids recorded so far. */
interface RunningBatch {
  readonly byKey: ReadonlyMap<string, readonly BatchItem[]>;
  /** Ids recorded as delivered in this batch: a retried pack does not retry them. */
  readonly recorded: Set<string>;
}

/**
 * Watches the batcher from outside, through the ports it is given: the handler (what came in
 * a batch, what went back to the queue), the Matomo endpoint (each bulk and Matomo's answer),
 * the delivery log (recorded, or skipped as delivered before) and the dead-letter sink (with
 * the reason). Each step is stored against the request id ingest gave the request.
 */
export class BatcherObserver {
  readonly #store: EventStore;
  readonly #maxReceiveCount: number;
  /**
   * The batches being delivered, oldest first (the poller runs one at a time). Kept here, not
   * in an AsyncLocalStorage: on Node 20 one in use puts a hook on every promise of the process,
   * about 0.2 s of CPU over a 10,000-event drain.
   */
  readonly #running: RunningBatch[] = [];
  /** Request id -> the running batch it came in. */
  readonly #batchOf = new Map<string, RunningBatch>();

  constructor(store: EventStore, maxReceiveCount: number) {
    this.#store = store;
    this.#maxReceiveCount = maxReceiveCount;
  }

  /** The batcher's ports, each wrapped to record what passes through it. */
  wrapDeps(deps: BatcherDeps): BatcherDeps {
    return {
      ...deps,
      matomo: this.wrapMatomo(deps.matomo),
      deliveryLog: this.wrapDeliveryLog(deps.deliveryLog),
      deadLetters: this.wrapDeadLetters(deps.deadLetters),
    };
  }

  /** The batcher handler, recording each batch and the messages handed back to SQS. */
  wrapHandler(handler: SqsBatchHandler): SqsBatchHandler {
    return async (event, context) => {
      // A pack carries several requests: each is followed on its own.
      const items = new Map<string, Received[]>();
      for (const record of event.Records) {
        const attempt = Number(record.attributes.ApproximateReceiveCount);
        const read = readItems(record.body).map((item) => ({ ...item, attempt }));
        if (read.length === 0) continue;
        items.set(record.messageId, read);
        const detail = `attempt ${attempt} of ${this.#maxReceiveCount}, in a batch of ${event.Records.length}`;
        this.#store.stepAll(
          read.map((item) => item.id),
          'in-batch',
          detail,
        );
      }
      const all = [...items.values()].flat();
      const batch: RunningBatch = { byKey: byKey(all), recorded: new Set() };
      const { recorded } = batch;
      this.#running.push(batch);
      for (const item of all) this.#batchOf.set(item.id, batch);
      let failed: readonly string[];
      try {
        const response = await handler(event, context);
        failed = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      } catch (error) {
        failed = [...items.keys()];
        this.#retried(items, failed, recorded, `the batcher failed (${String(error)})`);
        throw error;
      } finally {
        this.#running.splice(this.#running.indexOf(batch), 1);
        for (const item of all) if (this.#batchOf.get(item.id) === batch) this.#batchOf.delete(item.id);
      }
      this.#retried(
        items,
        failed,
        recorded,
        'handed back to SQS: offered again after the visibility timeout',
      );
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
    };
  }

  /** The Matomo endpoint, recording each bulk's answer for the requests in it. */
  wrapMatomo(matomo: MatomoEndpoint): MatomoEndpoint {
    return {
      sendBulk: async (bulk) => {
        const ids = this.#idsOf(bulk.requests);
        const size = `bulk of ${bulk.requests.length}`;
        try {
          const answer = await matomo.sendBulk(bulk);
          const invalid = new Set(answer.invalidIndices ?? []);
          const said = `Matomo answered 200: tracked ${answer.tracked}, invalid ${answer.invalid}`;
          const [bad, good] = split(ids, (index) => invalid.has(index));
          this.#stepFound(good, 'sent', `${size}; ${said}`);
          this.#stepFound(bad, 'invalid', `${size}; ${said}`);
          return answer;
        } catch (error) {
          const said = error instanceof Error ? error.message : String(error);
          this.#stepFound(
            ids.flatMap((found) => (found ? [found] : [])),
            'sent',
            `${size}; ${said}`,
          );
          throw error;
        }
      },
    };
  }

  /** The delivery log, recording what was recorded as delivered or skipped as delivered before. */
  wrapDeliveryLog(log: DeliveryLog): DeliveryLog {
    return {
      countLoneFailures: (ids, expiresAt) => log.countLoneFailures(ids, expiresAt),
      delivered: async (requests) => {
        const done = await log.delivered(requests);
        if (done.size > 0) this.#store.stepAll([...done], 'skipped', 'delivered before: not sent again');
        return done;
      },
      record: async (requests, expiresAt) => {
        const ids = requests.map((r) => r.id);
        for (const id of ids) this.#batchOf.get(id)?.recorded.add(id);
        try {
          const twice = await log.record(requests, expiresAt);
          const again = new Set(twice);
          const [before, first] = split(ids, (index) => again.has(ids[index] ?? ''));
          this.#store.stepAll(first, 'recorded', 'Matomo counted it');
          this.#store.stepAll(before, 'recorded', 'recorded, but it had reached Matomo before');
          return twice;
        } catch (error) {
          this.#store.stepAll(
            ids,
            'recorded',
            `Matomo counted it; remembering that failed: ${String(error)}`,
          );
          throw error;
        }
      },
    };
  }

  /** The dead-letter sink, recording each letter's reason and detail once SQS took it. */
  wrapDeadLetters(sink: DeadLetterSink): DeadLetterSink {
    return {
      send: async (letters) => {
        const unsent = await sink.send(letters);
        for (const letter of letters) {
          const id = readItems(letter.body)[0]?.id;
          if (id !== undefined && !unsent.has(letter.messageId)) {
            this.#store.step(id, 'dead-lettered', `${letter.reason}: ${letter.detail}`);
          }
        }
        return unsent;
      },
    };
  }

  /** One step for the bulk's requests found in the batch, each with its `cid`. */
  #stepFound(found: readonly { id: string; cid: string }[], state: DeliveryState, detail: string): void {
    if (found.length === 0) return;
    this.#store.stepAll(
      found.map((f) => f.id),
      state,
      detail,
      (index) => found[index]?.cid ?? '',
    );
  }

  #retried(
    items: ReadonlyMap<string, readonly Received[]>,
    messageIds: readonly string[],
    recorded: ReadonlySet<string>,
    why: string,
  ): void {
    for (const messageId of messageIds) {
      for (const item of items.get(messageId) ?? []) {
        // A delivered request of a retried pack is skipped on its next receive, not retried.
        if (recorded.has(item.id)) continue;
        if (item.attempt >= this.#maxReceiveCount) {
          // The queue's redrive policy moves it on its next receive; the batcher never sees it again.
          const detail = `retries exhausted: ${why}; after ${item.attempt} receives SQS moves it to the dead-letter queue`;
          this.#store.step(item.id, 'dead-lettered', detail);
        } else this.#store.step(item.id, 'retried', why);
      }
    }
  }

  /** The batch items the bulk's query strings belong to, in bulk order. */
  #idsOf(queries: readonly string[]): ({ id: string; cid: string } | undefined)[] {
    const running = this.#running;
    // Each item matches one query of the bulk: how many of each key this bulk has used.
    const used = new Map<string, number>();
    const take = (key: string): BatchItem | undefined => {
      const n = used.get(key) ?? 0;
      // Nearly always one batch; with more, the items of a key are counted across them in order.
      let skip = n;
      for (const batch of running) {
        const same = batch.byKey.get(key);
        if (same === undefined) continue;
        const item = same[skip];
        if (item) {
          used.set(key, n + 1);
          return item;
        }
        skip -= same.length;
      }
      return undefined;
    };
    return queries.map((query) => {
      const fast = appended(query);
      const quick = fast && take(fast.key);
      if (fast && quick) return { id: quick.id, cid: fast.cid };
      const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
      const cid = params.get('cid') ?? '';
      params.delete('cid');
      const key = params.toString();
      // The batcher adds the person's synthetic address as cip to requests without an IP.
      params.delete('cip');
      const item = take(key) ?? take(params.toString());
      return item ? { id: item.id, cid } : undefined;
    });
  }
}

/**
 * The batcher appends the person's `cid` (and a synthetic `cip`) after a request's own
 * parameters: the query without that tail is the request's key, found without parsing the
 * query (a drain of 10,000 requests parsed and serialised each twice). `undefined` when the
 * query does not end that way; the caller then parses it.
 */
function appended(query: string): { key: string; cid: string } | undefined {
  const at = query.lastIndexOf('&cid=');
  if (at < 1 || !query.startsWith('?')) return undefined;
  const end = query.indexOf('&', at + 1);
  const tail = end === -1 ? '' : query.slice(end);
  if (tail !== '' && !(tail.startsWith('&cip=') && !tail.includes('&', 1))) return undefined;
  const cid = query.slice(at + 5, end === -1 ? undefined : end);
  // The batcher's ids are 16 hex; anything else is read the slow way.
  return /^[0-9a-f]{16}$/.test(cid) ? { key: query.slice(1, at), cid } : undefined;
}

/** The defined values of `values` split by `test` of their index: [passing, failing]. */
function split<T>(values: readonly (T | undefined)[], test: (index: number) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  values.forEach((value, index) => {
    if (value !== undefined) (test(index) ? yes : no).push(value);
  });
  return [yes, no];
}

function byKey(items: readonly BatchItem[]): Map<string, BatchItem[]> {
  const out = new Map<string, BatchItem[]>();
  for (const item of items) {
    const same = out.get(item.key);
    if (same) same.push(item);
    else out.set(item.key, [item]);
  }
  return out;
}

/**
 * The request ids and parameter keys of a queue message: its request, each request of a pack,
 * or the request of a dead letter moved back unchanged.
 */
function readItems(body: string): BatchItem[] {
  const value = parseJsonObject(body);
  const inner =
    typeof value?.body === 'string' && typeof value.reason === 'string' ? parseJsonObject(value.body) : value;
  return requestsOf(inner).flatMap((request) => {
    const { id, params } = (request ?? {}) as { id?: unknown; params?: unknown };
    if (typeof id !== 'string' || params === null || typeof params !== 'object') return [];
    const entries = Object.entries(params).filter((p): p is [string, string] => typeof p[1] === 'string');
    return [{ id, key: new URLSearchParams(entries).toString() }];
  });
}
