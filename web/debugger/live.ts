import type { DebugEntry, RulesStatus, StreamMessage } from '../../src/local/debugger/wire.ts';

/** Entries the page keeps, like the server's buffer; the oldest go first. */
export const PAGE_CAPACITY = 10_000;

/** What the page knows, rebuilt only when `version` changes. */
export interface LiveState {
  readonly version: number;
  readonly entries: readonly DebugEntry[];
  readonly rules: RulesStatus | undefined;
  readonly connected: boolean;
  readonly paused: boolean;
  /** Messages held back while paused. */
  readonly waiting: number;
}

/**
 * The page's copy of the server's event store, fed by `/debugger/stream`. Pausing holds
 * messages back (the list stops moving) and resuming applies them in order. Listeners are
 * told at most once per animation frame, however many messages arrive.
 */
export class LiveStore {
  readonly #entries = new Map<number, DebugEntry>();
  #rules: RulesStatus | undefined;
  #connected = false;
  #paused = false;
  #held: StreamMessage[] = [];
  #version = 0;
  #sorted: DebugEntry[] = [];
  #sortedAt = -1;
  #frame: number | undefined;
  readonly #listeners = new Set<() => void>();
  #source: EventSource | undefined;

  /** Opens the stream; the browser reconnects by itself and the server starts with a snapshot. */
  connect(url = '/debugger/stream'): void {
    const source = new EventSource(url);
    this.#source = source;
    source.onopen = () => this.#set(() => (this.#connected = true));
    source.onerror = () => this.#set(() => (this.#connected = false));
    source.onmessage = (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as StreamMessage;
      // Rule status and a snapshot are shown even while paused: they are not list movement.
      if (this.#paused && (message.type === 'entry' || message.type === 'evicted')) this.#held.push(message);
      else this.#apply(message);
      this.#changed();
    };
  }

  /** Stops or restarts the list's movement. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    if (!paused) for (const message of this.#held.splice(0)) this.#apply(message);
    this.#changed();
  }

  /** Calls `listener` after changes, once per frame. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The current state; `entries` oldest first. */
  state(): LiveState {
    if (this.#sortedAt !== this.#version) {
      this.#sorted = [...this.#entries.values()].sort((a, b) => a.seq - b.seq);
      this.#sortedAt = this.#version;
    }
    return {
      version: this.#version,
      entries: this.#sorted,
      rules: this.#rules,
      connected: this.#connected,
      paused: this.#paused,
      waiting: this.#held.length,
    };
  }

  /** One entry as last received. */
  entry(seq: number): DebugEntry | undefined {
    return this.#entries.get(seq);
  }

  close(): void {
    this.#source?.close();
  }

  #apply(message: StreamMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.#entries.clear();
        for (const entry of message.entries) this.#entries.set(entry.seq, entry);
        this.#rules = message.rules;
        this.#held = [];
        break;
      case 'entry':
        this.#entries.set(message.entry.seq, message.entry);
        break;
      case 'clear':
        this.#entries.clear();
        this.#held = [];
        break;
      case 'evicted':
        for (const seq of this.#entries.keys()) if (seq <= message.through) this.#entries.delete(seq);
        break;
      case 'rules':
        this.#rules = message.rules;
        break;
      default: {
        const never: never = message;
        throw new Error(`unknown stream message ${JSON.stringify(never)}`);
      }
    }
    // Map keeps insertion order; the first keys are the oldest seqs.
    for (const seq of this.#entries.keys()) {
      if (this.#entries.size <= PAGE_CAPACITY) break;
      this.#entries.delete(seq);
    }
  }

  #set(change: () => void): void {
    change();
    this.#changed();
  }

  #changed(): void {
    this.#version += 1;
    this.#frame ??= requestAnimationFrame(() => {
      this.#frame = undefined;
      for (const listener of this.#listeners) listener();
    });
  }
}
