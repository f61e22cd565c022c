import { AsyncLocalStorage } from 'node:async_hooks';
import type { BatcherDeps, DeadLetterSink, DeliveryLog } from '../../batcher/ports.ts';
import type { MatomoEndpoint } from '../../matomo/client.ts';
import { parseJsonObject } from '../json-object.ts';
import type { SqsBatchHandler } from '../poller.ts';
import type { EventStore } from './store.ts';

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

/**
 * Watches the batcher from outside, through the ports it is given: the handler (what came in
 * a batch, what went back to the queue), the Matomo endpoint (each bulk and Matomo's answer),
 * the delivery log (recorded, or skipped as delivered before) and the dead-letter sink (with
 * the reason). Each step is stored against the request id ingest gave the request.
 */
export class BatcherObserver {
  readonly #store: EventStore;
  readonly #maxReceiveCount: number;
  readonly #batch = new AsyncLocalStorage<readonly BatchItem[]>();

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
      const items = new Map<string, Received>();
      for (const record of event.Records) {
        const read = readItem(record.body);
        if (!read) continue;
        const attempt = Number(record.attributes.ApproximateReceiveCount);
        const item = { ...read, attempt };
        items.set(record.messageId, item);
        this.#store.step(
          item.id,
          'in-batch',
          `attempt ${attempt} of ${this.#maxReceiveCount}, in a batch of ${event.Records.length}`,
        );
      }
      let failed: readonly string[];
      try {
        const response = await this.#batch.run([...items.values()], () => handler(event, context));
        failed = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      } catch (error) {
        failed = [...items.keys()];
        this.#retried(items, failed, `the batcher failed (${String(error)})`);
        throw error;
      }
      this.#retried(items, failed, 'handed back to SQS: offered again after the visibility timeout');
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
          ids.forEach((found, index) => {
            if (!found) return;
            this.#store.step(found.id, invalid.has(index) ? 'invalid' : 'sent', `${size}; ${said}`, {
              cid: found.cid,
            });
          });
          return answer;
        } catch (error) {
          const said = error instanceof Error ? error.message : String(error);
          for (const found of ids)
            if (found) this.#store.step(found.id, 'sent', `${size}; ${said}`, { cid: found.cid });
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
        for (const id of done) this.#store.step(id, 'skipped', 'delivered before: not sent again');
        return done;
      },
      record: async (requests, expiresAt) => {
        const ids = requests.map((r) => r.id);
        try {
          const twice = await log.record(requests, expiresAt);
          const again = new Set(twice);
          for (const id of ids) {
            this.#store.step(
              id,
              'recorded',
              again.has(id) ? 'recorded, but it had reached Matomo before' : 'Matomo counted it',
            );
          }
          return twice;
        } catch (error) {
          for (const id of ids)
            this.#store.step(id, 'recorded', `Matomo counted it; remembering that failed: ${String(error)}`);
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
          const id = readItem(letter.body)?.id;
          if (id !== undefined && !unsent.has(letter.messageId)) {
            this.#store.step(id, 'dead-lettered', `${letter.reason}: ${letter.detail}`);
          }
        }
        return unsent;
      },
    };
  }

  #retried(items: ReadonlyMap<string, Received>, messageIds: readonly string[], why: string): void {
    for (const messageId of messageIds) {
      const item = items.get(messageId);
      if (!item) continue;
      if (item.attempt >= this.#maxReceiveCount) {
        // The queue's redrive policy moves it on its next receive; the batcher never sees it again.
        const detail = `retries exhausted: ${why}; after ${item.attempt} receives SQS moves it to the dead-letter queue`;
        this.#store.step(item.id, 'dead-lettered', detail);
      } else this.#store.step(item.id, 'retried', why);
    }
  }

  /** The batch items the bulk's query strings belong to, in bulk order. */
  #idsOf(queries: readonly string[]): ({ id: string; cid: string } | undefined)[] {
    const pending = [...(this.#batch.getStore() ?? [])];
    return queries.map((query) => {
      const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
      const cid = params.get('cid') ?? '';
      params.delete('cid');
      const key = params.toString();
      // The batcher adds the person's synthetic address as cip to requests without an IP.
      params.delete('cip');
      const withoutCip = params.toString();
      let at = pending.findIndex((item) => item.key === key);
      if (at < 0) at = pending.findIndex((item) => item.key === withoutCip);
      if (at < 0) return undefined;
      const [item] = pending.splice(at, 1);
      return item ? { id: item.id, cid } : undefined;
    });
  }
}

/** The request id and parameter key of a queue message (or of a dead letter moved back unchanged). */
function readItem(body: string): BatchItem | undefined {
  const value = parseJsonObject(body);
  const inner =
    typeof value?.body === 'string' && typeof value.reason === 'string' ? parseJsonObject(value.body) : value;
  const id = inner?.id;
  const params = inner?.params;
  if (typeof id !== 'string' || params === null || typeof params !== 'object') return undefined;
  const entries = Object.entries(params).filter((p): p is [string, string] => typeof p[1] === 'string');
  return { id, key: new URLSearchParams(entries).toString() };
}
