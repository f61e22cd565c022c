import { type FileHandle, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  JOURNAL_MODE,
  type JournalEntry,
  type JournaledMessage,
  readJournal,
  syncDirectory,
  writeSynced,
} from './queue-journal.ts';

/** Options of {@link JournalWriter.open}. */
export interface JournalWriterOptions {
  /**
   * Deletes after which the journal is rewritten with only the live messages, also when the
   * queues are not empty (when they are, it is rewritten at once). @default 1000
   */
  readonly compactAfter?: number;
}

interface Pending {
  readonly entries: readonly JournalEntry[];
  readonly text: string;
  readonly done: () => void;
  readonly failed: (error: unknown) => void;
}

/**
 * Appends entries to a journal; `append` resolves once they are on disk (fsync). Appends that
 * arrive while a write is in progress are written and synced together with one fsync.
 *
 * It also compacts while it runs: once every journaled message was deleted (or after
 * `compactAfter` deletes), the file is replaced by one holding only the live messages. So a
 * delivered request, and the raw visitor key in it, stays on disk only until the queues next
 * run empty, and a long run does not grow the file without bound.
 */
export class JournalWriter {
  readonly #path: string;
  readonly #compactAfter: number;
  /** What the file holds that was never deleted, in the order it was sent. */
  readonly #live: Map<string, JournaledMessage>;
  #file: FileHandle;
  #deletes = 0;
  #pending: Pending[] = [];
  #writing: Promise<void> | undefined;
  #broken: unknown;

  private constructor(
    path: string,
    file: FileHandle,
    live: readonly JournaledMessage[],
    compactAfter: number,
  ) {
    this.#path = path;
    this.#file = file;
    this.#live = new Map(live.map((m) => [m.id, m]));
    this.#compactAfter = compactAfter;
  }

  /** Opens `path` for appending (created owner-only when missing), knowing what it holds. */
  static async open(path: string, options: JournalWriterOptions = {}): Promise<JournalWriter> {
    const live = await readJournal(path);
    return new JournalWriter(path, await open(path, 'a', JOURNAL_MODE), live, options.compactAfter ?? 1000);
  }

  /** Writes the entries and resolves once they are synced to disk; rejects when that failed. */
  append(entries: readonly JournalEntry[]): Promise<void> {
    // After a failed write the file may end in a partial line: appending more would bury it
    // mid-file. Refusing keeps every acknowledged entry readable (ingest answers 503).
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    if (entries.length === 0) return Promise.resolve();
    const text = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    return new Promise((done, failed) => {
      this.#pending.push({ entries, text, done, failed });
      this.#writing ??= this.#flush();
    });
  }

  /** Waits for pending writes, then closes the file. */
  async close(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    await this.#file.close();
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const group = this.#pending.splice(0);
      try {
        await this.#file.appendFile(group.map((p) => p.text).join(''));
        await this.#file.sync();
        for (const p of group) this.#track(p.entries);
        for (const p of group) p.done();
        if (this.#deletes > 0 && (this.#live.size === 0 || this.#deletes >= this.#compactAfter)) {
          await this.#compact();
        }
      } catch (error) {
        this.#broken = error;
        // Rejecting an append that already resolved does nothing: only the unwritten ones fail.
        for (const p of [...group, ...this.#pending.splice(0)]) p.failed(error);
      }
    }
    this.#writing = undefined;
  }

  #track(entries: readonly JournalEntry[]): void {
    for (const entry of entries) {
      if (entry.op === 'send') {
        this.#live.set(entry.id, entry);
      } else {
        this.#live.delete(entry.id);
        this.#deletes += 1;
      }
    }
  }

  /**
   * Replaces the file with the live messages. Runs between two writes, so appends wait for it
   * and go to the new file. Until the rename a failure leaves the old file in use, whole; after
   * it, a failure to reopen or sync breaks the writer, since entries would otherwise be lost.
   */
  async #compact(): Promise<void> {
    const temporary = `${this.#path}.tmp`;
    try {
      await writeSynced(temporary, this.#live.values());
      await rename(temporary, this.#path);
    } catch {
      return; // The old journal is whole and still the one appended to; try again later.
    }
    const old = this.#file;
    this.#file = await open(this.#path, 'a', JOURNAL_MODE);
    this.#deletes = 0;
    await old.close().catch(() => undefined);
    await syncDirectory(dirname(this.#path));
  }
}
