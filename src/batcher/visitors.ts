import { createHmac, randomBytes } from 'node:crypto';
import type { VisitorStore } from './ports.ts';

/** The stored form of a visitor key: HMAC-SHA256 with a deployment secret, as hex. */
export function hashVisitorKey(key: string, secret: string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

/** A random 16-hex visitor id, the shape Matomo requires for `cid`. */
export function randomVisitorId(): string {
  return randomBytes(8).toString('hex');
}

/** What visitor resolution needs to know about one request. */
export interface VisitorRef {
  readonly key: string;
  readonly browserId?: string | undefined;
}

/** Options for {@link resolveVisitors}. */
export interface ResolveVisitorsOptions {
  readonly store: VisitorStore;
  readonly secret: string;
  /** Unix seconds. */
  readonly now: number;
  readonly newVisitorId: () => string;
}

/** `lastSeen` is only moved when it is older than this, to spare a write per key per batch. */
const TOUCH_AFTER_SECONDS = 86_400;

/**
 * Maps every distinct visitor key to its stable 16-hex visitor id: one batched read, then a
 * conditional create for new keys (a lost race returns the winner's id) and a link for keys
 * that came with a browser visitor id, so later server-side events join that browser visitor.
 * Refs are expected in time order: the latest browser id of a key wins.
 *
 * @returns visitor key -> visitor id (lowercase hex)
 */
export async function resolveVisitors(
  refs: readonly VisitorRef[],
  options: ResolveVisitorsOptions,
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const links = new Map<string, string>();
  for (const ref of refs) {
    if (!hashes.has(ref.key)) hashes.set(ref.key, hashVisitorKey(ref.key, options.secret));
    if (ref.browserId !== undefined) links.set(ref.key, ref.browserId.toLowerCase());
  }
  const stored = await options.store.getMany([...hashes.values()]);
  const ids = new Map<string, string>();
  const writes: Promise<void>[] = [];
  const touches: Promise<void>[] = [];
  for (const [key, hash] of hashes) {
    const existing = stored.get(hash);
    const browserId = links.get(key);
    if (browserId !== undefined) {
      ids.set(key, browserId);
      if (existing?.visitorId !== browserId) writes.push(options.store.link(hash, browserId, options.now));
    } else if (existing) {
      ids.set(key, existing.visitorId);
      if (options.now - existing.lastSeen >= TOUCH_AFTER_SECONDS) {
        touches.push(options.store.touch(hash, options.now));
      }
    } else {
      writes.push(
        options.store.create(hash, options.newVisitorId(), options.now).then((winner) => {
          ids.set(key, winner);
        }),
      );
    }
  }
  await Promise.all(writes);
  // lastSeen is bookkeeping for expiry, not needed to deliver: a failed touch is tried again later.
  await Promise.allSettled(touches);
  return ids;
}
