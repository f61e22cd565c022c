import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * One person's delivered request ids in one DynamoDB item (`pk = l#<visitor key HMAC>`), the
 * pure half of `DynamoDbDeliveryLog`: reading an item, and planning the write that adds ids.
 *
 * Ids sit in binary sets of 16 bytes each, one set per hour of expiry (`e<hour>`: the ids
 * whose `expiresAt` falls in that hour), so expired ids go by removing whole sets, and an id
 * is remembered at least as long as asked and at most an hour more. An item is kept within
 * {@link BUCKET_LIMIT_BYTES}: DynamoDB bills a write one unit per KB of the item (the larger of
 * before and after) and a strongly consistent read one unit per 4 KB, so a bucket never costs
 * more than the one write and one read per id it replaces. A bucket that would grow past it
 * spills: its `spillUntil` is set and its new ids go to items of their own (`d#<id>`) until
 * then.
 */

/** Width of one expiry set. */
export const SLOT_SECONDS = 3600;
/** The largest bucket item written: one write unit. */
export const BUCKET_LIMIT_BYTES = 1024;
/** How long past the ids it covers a spill mark lasts, so it is refreshed once a day, not per batch. */
const SPILL_MARGIN_SECONDS = 86_400;
/** Bytes of one binary-set element, counted high (DynamoDB does not publish the set overhead). */
const ID_BYTES = 17;
/** Bytes of a set attribute beside its elements and name. */
const SET_BYTES = 3;
/** `pk` (`l#` + 64 hex), `expiresAt` and `spillUntil` with their names, counted high. */
const BASE_BYTES = 120;

/** What a bucket item holds, as of a read. */
export interface Bucket {
  /** Hex ids in sets that have not expired. */
  readonly live: ReadonlySet<string>;
  /** Names of expired sets, to remove on the next write. */
  readonly stale: readonly string[];
  /** Names of the sets not expired. */
  readonly slots: ReadonlySet<string>;
  /** Estimated item size. */
  readonly bytes: number;
  /** Until when new ids of this bucket go to items of their own; 0 when they do not. */
  readonly spillUntil: number;
  /** The item's TTL attribute; 0 for no item. */
  readonly expiresAt: number;
}

/** A bucket that does not exist yet. */
export const EMPTY_BUCKET: Bucket = {
  live: new Set(),
  stale: [],
  slots: new Set(),
  bytes: BASE_BYTES,
  spillUntil: 0,
  expiresAt: 0,
};

/** The set an id expiring at `expiresAt` (unix seconds) goes to. */
export function slotName(expiresAt: number): string {
  return `e${Math.ceil(expiresAt / SLOT_SECONDS)}`;
}

/**
 * Reads a bucket item as of `nowSeconds`. An item past its TTL (TTL deletes lazily) holds no
 * live ids, and all its sets are stale; `bytes` counts what stays after they are removed.
 */
export function readBucket(item: Record<string, AttributeValue> | undefined, nowSeconds: number): Bucket {
  if (item === undefined) return EMPTY_BUCKET;
  const expiresAt = Number(item.expiresAt?.N ?? 0);
  const live = new Set<string>();
  const stale: string[] = [];
  const slots = new Set<string>();
  let bytes = BASE_BYTES;
  for (const [name, value] of Object.entries(item)) {
    const hour = /^e(\d+)$/.exec(name)?.[1];
    if (hour === undefined || value.BS === undefined) continue;
    if (expiresAt <= nowSeconds || Number(hour) * SLOT_SECONDS <= nowSeconds) {
      stale.push(name);
      continue;
    }
    bytes += name.length + SET_BYTES + ID_BYTES * value.BS.length;
    slots.add(name);
    for (const id of value.BS) live.add(Buffer.from(id).toString('hex'));
  }
  return { live, stale, slots, bytes, spillUntil: Number(item.spillUntil?.N ?? 0), expiresAt };
}

/** Whether the bucket holds nothing yet (no item, or one past its TTL). */
export function absent(bucket: Bucket, nowSeconds: number): boolean {
  return bucket.expiresAt <= nowSeconds;
}

/** Whether new ids of the bucket go to items of their own. */
export function spilled(bucket: Bucket, nowSeconds: number): boolean {
  return bucket.spillUntil > nowSeconds;
}

/** The one write that records ids in a bucket. */
export type BucketWrite =
  | {
      readonly kind: 'add';
      /** UpdateItem arguments: the set gets `ids`, the TTL `expiresAt`, expired sets go. */
      readonly slot: string;
      readonly ids: readonly Uint8Array[];
      readonly expiresAt: number;
      readonly remove: readonly string[];
    }
  | {
      readonly kind: 'spill';
      /** Hex ids to record in items of their own. */
      readonly own: readonly string[];
      /** The new spill mark when the current one ends too soon; the item's TTL follows it. */
      readonly spillUntil: number | undefined;
      readonly remove: readonly string[];
    };

/** An id the bucket can hold: the queued-request contract's 32 lowercase hex characters. */
export function isBucketId(id: string): boolean {
  return /^[0-9a-f]{32}$/.test(id);
}

/**
 * Plans recording hex `ids` (not yet in the bucket) until `expiresAt`: added to the bucket
 * while it stays within {@link BUCKET_LIMIT_BYTES}, otherwise spilled to items of their own.
 */
export function planWrite(
  bucket: Bucket,
  ids: readonly string[],
  expiresAt: number,
  nowSeconds: number,
): BucketWrite {
  const slot = slotName(expiresAt);
  const growth = (bucket.slots.has(slot) ? 0 : slot.length + SET_BYTES) + ID_BYTES * ids.length;
  if (!spilled(bucket, nowSeconds) && bucket.bytes + growth <= BUCKET_LIMIT_BYTES) {
    return {
      kind: 'add',
      slot,
      ids: ids.map((id) => Buffer.from(id, 'hex')),
      expiresAt: Math.max(expiresAt, bucket.expiresAt),
      remove: bucket.stale,
    };
  }
  // The mark must outlast every id spilled under it; a margin spares a write per batch.
  const spillUntil = bucket.spillUntil >= expiresAt ? undefined : expiresAt + SPILL_MARGIN_SECONDS;
  return { kind: 'spill', own: ids, spillUntil, remove: bucket.stale };
}

/**
 * The bucket as it is once an `add` write went through, so a later bulk of the same batch
 * plans from it without reading the bucket again.
 */
export function afterAdd(bucket: Bucket, plan: Extract<BucketWrite, { kind: 'add' }>): Bucket {
  const live = new Set(bucket.live);
  for (const id of plan.ids) live.add(Buffer.from(id).toString('hex'));
  const growth =
    (bucket.slots.has(plan.slot) ? 0 : plan.slot.length + SET_BYTES) + ID_BYTES * plan.ids.length;
  return {
    live,
    stale: [],
    slots: new Set([...bucket.slots, plan.slot]),
    bytes: bucket.bytes + growth,
    spillUntil: bucket.spillUntil,
    expiresAt: plan.expiresAt,
  };
}
