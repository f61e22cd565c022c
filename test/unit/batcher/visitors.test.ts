import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashVisitorKey, randomVisitorId } from '../../../src/batcher/visitors.ts';

describe('visitor ids', () => {
  it('hashes keys with HMAC-SHA256 of the deployment secret, never the raw key', () => {
    const hash = hashVisitorKey('jane@example.com', 'secret-1');
    expect(hash).toBe(createHmac('sha256', 'secret-1').update('jane@example.com').digest('hex'));
    expect(hash).not.toBe(hashVisitorKey('jane@example.com', 'secret-2'));
    expect(hash).not.toContain('jane');
  });

  it('makes random ids of the shape Matomo requires for cid', () => {
    const ids = new Set(Array.from({ length: 50 }, randomVisitorId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});
