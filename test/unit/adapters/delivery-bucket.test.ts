import { describe, expect, it } from 'vitest';
import {
  afterAdd,
  BUCKET_LIMIT_BYTES,
  EMPTY_BUCKET,
  planWrite,
  readBucket,
  SLOT_SECONDS,
  slotName,
} from '../../../src/adapters/delivery-bucket.ts';

const NOW = 1_800_000_000;
const id = (n: number): string => n.toString(16).padStart(32, '0');
const bytes = (n: number): Uint8Array => Buffer.from(id(n), 'hex');

describe('delivery buckets', () => {
  it('files an id under the hour its expiry falls in, so it is kept at least as long as asked', () => {
    expect(slotName(NOW)).toBe(`e${NOW / SLOT_SECONDS}`);
    expect(slotName(NOW + 1)).toBe(`e${NOW / SLOT_SECONDS + 1}`);
  });

  it('reads live ids, and marks expired sets and items past their TTL as stale', () => {
    const live = slotName(NOW + 60);
    const old = slotName(NOW - 1);
    const item = {
      pk: { S: 'l#x' },
      expiresAt: { N: String(NOW + 60) },
      [live]: { BS: [bytes(1), bytes(2)] },
      [old]: { BS: [bytes(3)] },
    };
    const bucket = readBucket(item, NOW);
    expect([...bucket.live].sort()).toEqual([id(1), id(2)]);
    expect(bucket.stale).toEqual([old]);
    const expired = readBucket(item, NOW + 120);
    expect(expired.live.size).toBe(0);
    expect([...expired.stale].sort()).toEqual([live, old].sort());
    expect(readBucket(undefined, NOW)).toBe(EMPTY_BUCKET);
  });

  it('adds ids while the item stays within 1 KB and spills past it, marking the bucket once a day', () => {
    const add = planWrite(EMPTY_BUCKET, [id(1), id(2)], NOW + 60, NOW);
    expect(add).toMatchObject({ kind: 'add', slot: slotName(NOW + 60), expiresAt: NOW + 60 });
    const many = Array.from({ length: 60 }, (_, n) => id(n));
    const spill = planWrite(EMPTY_BUCKET, many, NOW + 60, NOW);
    expect(spill).toMatchObject({ kind: 'spill', own: many, spillUntil: NOW + 60 + 86_400 });
    const marked = { ...EMPTY_BUCKET, expiresAt: NOW + 86_460, spillUntil: NOW + 86_460 };
    // Marked long enough: the new ids go to their own items without touching the bucket.
    expect(planWrite(marked, [id(1)], NOW + 120, NOW)).toMatchObject({
      kind: 'spill',
      spillUntil: undefined,
    });
  });

  it('plans from a bucket as written, as from one read back: the cap holds across bulks', () => {
    let bucket = EMPTY_BUCKET;
    let added = 0;
    for (let n = 0; ; n += 5) {
      const plan = planWrite(bucket, [id(n), id(n + 1), id(n + 2), id(n + 3), id(n + 4)], NOW + 60, NOW);
      if (plan.kind === 'spill') break;
      bucket = afterAdd(bucket, plan);
      added += 5;
    }
    expect(bucket.bytes).toBeLessThanOrEqual(BUCKET_LIMIT_BYTES);
    expect(bucket.live.size).toBe(added);
    expect(added).toBeGreaterThanOrEqual(40);
  });
});
