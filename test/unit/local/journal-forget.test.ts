import { describe, expect, it } from 'vitest';
import { carriesVisitorKey } from '../../../src/local/journal-forget.ts';

const queued = (visitor: Record<string, string>) => JSON.stringify({ v: 1, visitor, params: {} });

describe('carriesVisitorKey', () => {
  it("finds a person's key as the visitor key, as the anonymous key, and inside a dead letter", () => {
    expect(carriesVisitorKey(queued({ key: 'jane' }), 'jane')).toBe(true);
    expect(carriesVisitorKey(queued({ key: 'user-1', anonymousKey: 'jane' }), 'jane')).toBe(true);
    const letter = JSON.stringify({ reason: 'rejected', body: queued({ key: 'jane' }) });
    expect(carriesVisitorKey(letter, 'jane')).toBe(true);
    expect(carriesVisitorKey(queued({ key: 'janet' }), 'jane')).toBe(false);
    expect(carriesVisitorKey('not json', 'jane')).toBe(false);
  });

  it('matches every linked key of a person through a test', () => {
    const linked = new Set(['anon-1', 'user-1']);
    const matches = (k: string) => linked.has(k);
    expect(carriesVisitorKey(queued({ key: 'user-1' }), matches)).toBe(true);
    expect(carriesVisitorKey(queued({ key: 'anon-1' }), matches)).toBe(true);
    expect(carriesVisitorKey(queued({ key: 'other' }), matches)).toBe(false);
  });
});
