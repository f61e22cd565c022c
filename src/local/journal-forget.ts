import { stat } from 'node:fs/promises';
import { parseJsonObject } from './json-object.ts';
import { readJournal, writeJournal } from './queue-journal.ts';

/** A visitor key, or a test for the keys of one person (linked keys included). */
export type KeyMatch = string | ((key: string) => boolean);

/**
 * Whether a queued message body carries the visitor key `key`: a queued request's
 * `visitor.key` or `visitor.anonymousKey`, or those of the request a dead letter wraps in its
 * `body`.
 */
export function carriesVisitorKey(body: string, key: KeyMatch): boolean {
  const parsed = parseJsonObject(body);
  if (parsed === undefined) return false;
  const matches = typeof key === 'string' ? (k: string) => k === key : key;
  const visitor = parsed.visitor as { key?: unknown; anonymousKey?: unknown } | undefined;
  for (const k of [visitor?.key, visitor?.anonymousKey]) if (typeof k === 'string' && matches(k)) return true;
  return typeof parsed.body === 'string' && carriesVisitorKey(parsed.body, key);
}

/**
 * Erases a person from the queue journal of a stopped `taglane serve`: rewrites it with only
 * the messages still queued (delivered ones, which the journal kept until the next start, go)
 * and without the person's own, so their raw key is nowhere in it afterwards. Their undelivered
 * requests are dropped, as Matomo's erasure would remove them once recorded, and counted for
 * the caller to report. A missing journal is left missing.
 *
 * @returns how many queued messages of the person were dropped.
 */
export async function forgetInJournal(path: string, key: KeyMatch): Promise<number> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) return 0;
  const live = await readJournal(path);
  const kept = live.filter((message) => !carriesVisitorKey(message.body, key));
  await writeJournal(path, kept);
  return live.length - kept.length;
}
