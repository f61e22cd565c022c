import { answerBytes, headBytes, paramBytes, requestBytes, stepBytes, textBytes } from './footprint.ts';
import type {
  DebugEntry,
  DebugEntryDetail,
  DeliveryState,
  DeliveryStep,
  ProducedRequest,
  StreamMessage,
} from './wire.ts';

/** Mutable while its request and deliveries are under way; sent to the page as a copy. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface StoredRequest extends Mutable<Omit<ProducedRequest, 'steps' | 'params'>> {
  params: Readonly<Record<string, string>>;
  /**
   * The `cid` the batcher gave the request, shown among its parameters. Kept apart: adding a
   * key to 10,000 parameter objects of different shapes cost more than the rest of a step.
   */
  cid: string | undefined;
  steps: DeliveryStep[];
}

/** An entry as the store keeps it. */
export interface StoredEntry extends Mutable<Omit<DebugEntryDetail, 'requests'>> {
  requests: StoredRequest[];
  /** The heap it takes, as estimated (./footprint.ts); never sent to the page. */
  bytes: number;
}

/** A new entry, before the store numbers it. */
export type NewEntry = Omit<StoredEntry, 'seq' | 'requests' | 'bytes'>;

/** Steps kept per request: a request retried for hours must not grow without bound. */
const MAX_STEPS = 50;

/** Heap for all entries together, as estimated, when none is given. */
export const DEFAULT_MEMORY_BUDGET = 64 * 1024 * 1024;

/** What an entry's body becomes when the budget needs its room. */
export const BODY_DROPPED = '(body dropped: the debugger keeps only the most recent bodies)';

/** Settings of an {@link EventStore}. */
export interface EventStoreOptions {
  /** HTTP requests kept at most. @default 10000 */
  readonly capacity?: number;
  /** Milliseconds over which changes are coalesced into one message per entry. @default 50 */
  readonly flushMs?: number;
  /**
   * Estimated heap bytes of all entries together; the oldest entries are let go past it, so
   * the debugger cannot run `serve` out of memory however small its heap.
   * @default DEFAULT_MEMORY_BUDGET
   */
  readonly memoryBudget?: number;
  /** Body characters kept over all entries; older bodies are dropped first past it. @default half the memory budget */
  readonly bodyBudget?: number;
}

/**
 * The debugger's memory: the last HTTP requests in a ring buffer, as many as `capacity` and
 * the memory budget allow, each with the Matomo requests it produced, indexed by request id so
 * delivery steps find their entry. Subscribers get each changed entry, coalesced over
 * `flushMs` so a burst of deliveries costs one message per entry, not one per step, and hear
 * which entries were let go.
 */
export class EventStore {
  readonly #capacity: number;
  readonly #flushMs: number;
  readonly #ring: (StoredEntry | undefined)[];
  #next = 0;
  /** Entries in the ring: the oldest is `#count` places before `#next`. */
  #count = 0;
  #seq = 0;
  readonly #byRequest = new Map<string, { entry: StoredEntry; request: StoredRequest }>();
  readonly #subscribers = new Set<(message: StreamMessage) => void>();
  readonly #dirty = new Set<StoredEntry>();
  #timer: NodeJS.Timeout | undefined;
  readonly #memoryBudget: number;
  /** Estimated bytes of the entries in the ring. */
  #bytes = 0;
  readonly #bodyBudget: number;
  #bodyChars = 0;
  /** Entries still holding a body, oldest first. */
  readonly #withBody: StoredEntry[] = [];
  /** The newest seq let go, and the newest the subscribers were told of. */
  #evictedThrough = 0;
  #toldThrough = 0;

  constructor(options: EventStoreOptions = {}) {
    this.#capacity = Math.max(1, options.capacity ?? 10_000);
    this.#flushMs = options.flushMs ?? 50;
    this.#memoryBudget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
    this.#bodyBudget = options.bodyBudget ?? Math.floor(this.#memoryBudget / 2);
    this.#ring = new Array(this.#capacity);
  }

  /** Records a request as it arrives; returns the entry to complete later. */
  add(entry: NewEntry): StoredEntry {
    if (this.#count === this.#capacity) this.#evictOldest();
    const stored: StoredEntry = { ...entry, seq: ++this.#seq, requests: [], bytes: 0 };
    this.#ring[this.#next] = stored;
    this.#next = (this.#next + 1) % this.#capacity;
    this.#count += 1;
    this.#grow(stored, headBytes(stored));
    this.#keepBody(stored);
    this.changed(stored);
    this.#trim();
    return stored;
  }

  /**
   * Adds produced requests to an entry, first as `queueing`. Nothing for an entry let go while
   * its request was being answered: indexed, its requests would never leave.
   */
  addRequests(entry: StoredEntry, requests: readonly Omit<StoredRequest, 'state' | 'steps' | 'cid'>[]): void {
    if (this.#gone(entry)) return;
    for (const r of requests) {
      const request: StoredRequest = { ...r, state: 'queueing', cid: undefined, steps: [] };
      entry.requests.push(request);
      this.#byRequest.set(r.id, { entry, request });
      this.#grow(entry, requestBytes(request));
    }
    this.changed(entry);
    this.#trim();
  }

  /** The entry's answer (status, problem, counts) is filled in: counts it and tells the page. */
  answered(entry: StoredEntry): void {
    if (this.#gone(entry)) return;
    this.#grow(entry, answerBytes(entry));
    this.changed(entry);
    this.#trim();
  }

  /** A delivery step for a request id; ignored when the request left the buffer. */
  step(id: string, state: DeliveryState, detail?: string, params?: Readonly<Record<string, string>>): void {
    const found = this.#byRequest.get(id);
    if (!found) return;
    const step = stepOf(state, detail);
    this.#apply(found.entry, found.request, step, false, params);
    this.changed(found.entry);
    this.#trim();
  }

  /**
   * The same delivery step for many request ids (a bulk's answer, a batch's receive): one step
   * object shared by all of them, as steps are never changed once stored. A drain of 10,000
   * requests took three steps each, one by one. `cidOf` gives the `cid` parameter of the
   * request at an index, added to its parameters.
   */
  stepAll(
    ids: readonly string[],
    state: DeliveryState,
    detail?: string,
    cidOf?: (index: number) => string,
  ): void {
    const step = stepOf(state, detail);
    let last: StoredEntry | undefined;
    ids.forEach((id, index) => {
      const found = this.#byRequest.get(id);
      if (!found) return;
      this.#apply(found.entry, found.request, step, true);
      if (cidOf !== undefined) {
        const cid = cidOf(index);
        if (found.request.cid === undefined) this.#grow(found.entry, paramBytes(cid));
        found.request.cid = cid;
      }
      // A bulk's requests mostly come from a few entries, one after another.
      if (found.entry !== last) this.changed(found.entry);
      last = found.entry;
    });
    this.#trim();
  }

  #apply(
    entry: StoredEntry,
    request: StoredRequest,
    step: DeliveryStep,
    shared: boolean,
    params?: Readonly<Record<string, string>>,
  ): void {
    this.#grow(entry, stepBytes(step, shared));
    if (step.state === 'queued' && request.state !== 'queueing') {
      // The batcher can take a message before the queue's answer reaches ingest: "queued"
      // still happened first, and must not pull the request back from where it is now.
      request.steps.unshift(step);
      return;
    }
    request.state = step.state;
    request.steps.push(step);
    if (request.steps.length > MAX_STEPS) {
      // Counted back as if shared: whether a step was is not kept, and an estimate may run
      // over, never under.
      for (const dropped of request.steps.splice(1, request.steps.length - MAX_STEPS))
        this.#grow(entry, -stepBytes(dropped, true));
    }
    if (params) {
      // A copy: the parameters may be the queued request's own object, never to be changed.
      request.params = { ...request.params, ...params };
      for (const value of Object.values(params)) this.#grow(entry, paramBytes(value));
    }
  }

  /** The estimated heap of the entries kept, in bytes. */
  get memoryUsed(): number {
    return this.#bytes;
  }

  /** Whether the store knows the request id. */
  has(id: string): boolean {
    return this.#byRequest.has(id);
  }

  /** Marks an entry for the next flush to subscribers. */
  changed(entry: StoredEntry): void {
    this.#dirty.add(entry);
    this.#timer ??= setTimeout(() => this.#flush(), this.#flushMs);
  }

  /** Entries oldest first, without bodies. */
  list(): DebugEntry[] {
    const out: DebugEntry[] = [];
    for (let i = 0; i < this.#capacity; i += 1) {
      const entry = this.#ring[(this.#next + i) % this.#capacity];
      if (entry) out.push(summary(entry));
    }
    return out;
  }

  /** One entry with its redacted request. */
  get(seq: number): DebugEntryDetail | undefined {
    const entry = this.#ring.find((e) => e?.seq === seq);
    return entry
      ? {
          ...summary(entry),
          headers: entry.headers,
          query: entry.query,
          body: entry.body,
          bodyTruncated: entry.bodyTruncated,
        }
      : undefined;
  }

  /** Forgets every entry (the page's Clear). */
  clear(): void {
    this.#ring.fill(undefined);
    this.#count = 0;
    this.#bytes = 0;
    this.#evictedThrough = this.#toldThrough = this.#seq;
    this.#withBody.length = 0;
    this.#bodyChars = 0;
    this.#byRequest.clear();
    this.#dirty.clear();
    this.publish({ type: 'clear' });
  }

  /** Calls `listener` with every message until the returned function is called. */
  subscribe(listener: (message: StreamMessage) => void): () => void {
    this.#subscribers.add(listener);
    return () => this.#subscribers.delete(listener);
  }

  /** Sends a message to every subscriber now. */
  publish(message: StreamMessage): void {
    for (const listener of this.#subscribers) listener(message);
  }

  /** Sends what is pending and stops the timer. */
  close(): void {
    this.#flush();
    this.#subscribers.clear();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    const through = this.#evictedThrough;
    const evicted = through > this.#toldThrough;
    this.#toldThrough = through;
    // Without a page open, a copy per change would only feed the garbage collector.
    if (this.#subscribers.size === 0) return;
    if (evicted) this.publish({ type: 'evicted', through });
    for (const entry of dirty)
      if (entry.seq > through) this.publish({ type: 'entry', entry: summary(entry) });
  }

  /** Whether an entry left the ring: they leave oldest first, so by their seq. */
  #gone(entry: StoredEntry): boolean {
    return entry.seq <= this.#evictedThrough;
  }

  /** Adds an estimate to an entry and to the ring's total. */
  #grow(entry: StoredEntry, bytes: number): void {
    entry.bytes += bytes;
    this.#bytes += bytes;
  }

  /** Lets the oldest entries go while the estimate is over budget; the newest always stays. */
  #trim(): void {
    while (this.#bytes > this.#memoryBudget && this.#count > 1) this.#evictOldest();
  }

  #evictOldest(): void {
    const at = (this.#next - this.#count + this.#capacity) % this.#capacity;
    const oldest = this.#ring[at];
    this.#ring[at] = undefined;
    this.#count -= 1;
    if (oldest) this.#evict(oldest);
  }

  /** Counts the new body and drops the oldest ones while over budget. */
  #keepBody(entry: StoredEntry): void {
    this.#withBody.push(entry);
    this.#bodyChars += entry.body.length;
    while (this.#bodyChars > this.#bodyBudget && this.#withBody.length > 1) {
      const oldest = this.#withBody.shift();
      if (!oldest) break;
      this.#bodyChars -= oldest.body.length;
      this.#grow(oldest, -textBytes(oldest.body));
      oldest.body = BODY_DROPPED;
      oldest.bodyTruncated = true;
    }
  }

  /**
   * Lets go of an entry leaving the buffer: its requests' index, and its body's place in the
   * budget. The body list holds entries oldest first, and an entry leaves the buffer as the
   * oldest, so it is the first there if it still has a body. Left in that list, an evicted
   * entry stayed alive with all its requests until 32 MiB of newer bodies pushed it out: for
   * page views of ~200 characters, some 160,000 entries, whatever the capacity.
   */
  #evict(entry: StoredEntry): void {
    for (const r of entry.requests)
      if (this.#byRequest.get(r.id)?.entry === entry) this.#byRequest.delete(r.id);
    if (this.#withBody[0] === entry) {
      this.#withBody.shift();
      this.#bodyChars -= entry.body.length;
    }
    this.#bytes -= entry.bytes;
    this.#evictedThrough = Math.max(this.#evictedThrough, entry.seq);
    this.#timer ??= setTimeout(() => this.#flush(), this.#flushMs);
  }
}

function stepOf(state: DeliveryState, detail: string | undefined): DeliveryStep {
  return detail === undefined ? { at: Date.now(), state } : { at: Date.now(), state, detail };
}

function summary(entry: StoredEntry): DebugEntry {
  const { headers: _h, query: _q, body: _b, bodyTruncated: _t, bytes: _n, requests, ...rest } = entry;
  return {
    ...rest,
    requests: requests.map(({ cid, ...r }) => ({
      ...r,
      params: cid === undefined ? { ...r.params } : { ...r.params, cid },
      steps: [...r.steps],
    })),
  };
}
