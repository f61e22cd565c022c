import type { BatcherDeps, DeadLetterSink, DeliveryLog } from '../../batcher/ports.ts';
import type { MatomoBulk, MatomoEndpoint } from '../../matomo/client.ts';
import { requestsOf } from '../../tracking/queued-pack.ts';
import { parseJsonObject } from '../json-object.ts';
import type { SqsBatchHandler } from '../poller.ts';
import type { EventStore } from './store.ts';
import type { DeliveryState } from './wire.ts';

/** A queued request of the batch being delivered, with the receive it is on. */
interface Received {
  readonly id: string;
  readonly attempt: number;
}

/** A batch the handler is delivering: the ids recorded so far. */
interface RunningBatch {
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
   * Request id -> the running batch it came in. Kept here, not in an AsyncLocalStorage: on
   * Node 20 one in use puts a hook on every promise of the process, about 0.2 s of CPU over a
   * 10,000-event drain.
   */
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
        const ids = readIds(record.body);
        if (ids.length === 0) continue;
        items.set(
          record.messageId,
          ids.map((id) => ({ id, attempt })),
        );
        const detail = `attempt ${attempt} of ${this.#maxReceiveCount}, in a batch of ${event.Records.length}`;
        this.#store.stepAll(ids, 'in-batch', detail);
      }
      const all = [...items.values()].flat();
      const batch: RunningBatch = { recorded: new Set() };
      const { recorded } = batch;
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
        const { ids } = bulk;
        const size = `bulk of ${bulk.requests.length}`;
        try {
          const answer = await matomo.sendBulk(bulk);
          const invalid = new Set(answer.invalidIndices ?? []);
          const said = `Matomo answered 200: tracked ${answer.tracked}, invalid ${answer.invalid}`;
          const [bad, good] = split(indices(ids), (index) => invalid.has(index));
          this.#stepSent(good, bulk, 'sent', `${size}; ${said}`);
          this.#stepSent(bad, bulk, 'invalid', `${size}; ${said}`);
          return answer;
        } catch (error) {
          const said = error instanceof Error ? error.message : String(error);
          this.#stepSent(indices(ids), bulk, 'sent', `${size}; ${said}`);
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
          const id = readIds(letter.body)[0];
          if (id !== undefined && !unsent.has(letter.messageId)) {
            this.#store.step(id, 'dead-lettered', `${letter.reason}: ${letter.detail}`);
          }
        }
        return unsent;
      },
    };
  }

  /** One step for the bulk's entries at `at`, each with the `cid` the batcher gave it. */
  #stepSent(at: readonly number[], bulk: MatomoBulk, state: DeliveryState, detail: string): void {
    if (at.length === 0) return;
    this.#store.stepAll(
      at.map((index) => bulk.ids[index] ?? ''),
      state,
      detail,
      (n) => cidOf(bulk.requests[at[n] ?? -1] ?? ''),
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
}

/**
 * The `cid` the batcher appended to a bulk entry (its last `cid`, as Matomo reads a repeated
 * parameter), read without parsing the whole query; '' when there is none.
 */
function cidOf(query: string): string {
  const at = query.startsWith('?cid=') ? 0 : query.lastIndexOf('&cid=');
  if (at < 0) return '';
  const end = query.indexOf('&', at + 1);
  const raw = query.slice(at + 5, end === -1 ? undefined : end);
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/** 0 .. length - 1 of `values`. */
function indices(values: readonly unknown[]): number[] {
  return values.map((_, index) => index);
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

/**
 * The request ids of a queue message: its request, each request of a pack, or the request of
 * a dead letter moved back unchanged.
 */
function readIds(body: string): string[] {
  const value = parseJsonObject(body);
  const inner =
    typeof value?.body === 'string' && typeof value.reason === 'string' ? parseJsonObject(value.body) : value;
  return requestsOf(inner).flatMap((request) => {
    const { id } = (request ?? {}) as { id?: unknown };
    return typeof id === 'string' ? [id] : [];
  });
}
