import { stat } from 'node:fs/promises';
import { isQueuedPack, sqsSafeJson } from '../tracking/queued-pack.ts';
import { parseJsonObject } from './json-object.ts';
import { type JournaledMessage, readJournal, writeJournal } from './queue-journal.ts';

/** A visitor key, or a test for the keys of one person (linked keys included). */
export type KeyMatch = string | ((key: string) => boolean);

/**
 * Whether a queued message body carries the visitor key `key`: a queued request's
 * `visitor.key` or `visitor.anonymousKey`, or those of the request a dead letter wraps in its
 * `body`.
 */
export function carriesVisitorKey(body: string, key: KeyMatch): boolean {
  const parsed = parseJsonObject(body);
  return parsed !== undefined && valueCarries(parsed, key);
}

/** Whether a parsed body (a request, a pack of them, a dead letter) carries the key. */
function valueCarries(value: unknown, key: KeyMatch): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isQueuedPack(value)) return value.requests.some((request) => valueCarries(request, key));
  const matches = typeof key === 'string' ? (k: string) => k === key : key;
  const { visitor, body } = value as { visitor?: { key?: unknown; anonymousKey?: unknown }; body?: unknown };
  for (const k of [visitor?.key, visitor?.anonymousKey]) if (typeof k === 'string' && matches(k)) return true;
  return typeof body === 'string' && carriesVisitorKey(body, key);
}

/**
 * The message without the person's requests: as it was when it holds none of them, `undefined`
 * when it holds nothing else, and a pack of the others' requests when it holds both.
 */
function withoutPerson(
  message: JournaledMessage,
  key: KeyMatch,
): { kept?: JournaledMessage; dropped: number } {
  const parsed = parseJsonObject(message.body);
  if (!isQueuedPack(parsed))
    return carriesVisitorKey(message.body, key) ? { dropped: 1 } : { kept: message, dropped: 0 };
  const others = parsed.requests.filter((request) => !valueCarries(request, key));
  const dropped = parsed.requests.length - others.length;
  if (dropped === 0) return { kept: message, dropped };
  if (others.length === 0) return { dropped };
  return { kept: { ...message, body: sqsSafeJson({ v: 2, requests: others }) }, dropped };
}

/**
 * Erases a person from the queue journal of a stopped `taglane serve`: rewrites it with only
 * the messages still queued (delivered ones, which the journal kept until the next start, go)
 * and without the person's own, so their raw key is nowhere in it afterwards. Their undelivered
 * requests are dropped, as Matomo's erasure would remove them once recorded, and counted for
 * the caller to report; a pack keeps the other people's requests. A missing journal is left
 * missing.
 *
 * @returns how many queued requests of the person were dropped.
 */
export async function forgetInJournal(path: string, key: KeyMatch): Promise<number> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) return 0;
  const live = await readJournal(path);
  const kept: JournaledMessage[] = [];
  let dropped = 0;
  for (const message of live) {
    const out = withoutPerson(message, key);
    if (out.kept) kept.push(out.kept);
    dropped += out.dropped;
  }
  await writeJournal(path, kept);
  return dropped;
}
