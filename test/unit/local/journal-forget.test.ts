import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { carriesVisitorKey, forgetInJournal } from '../../../src/local/journal-forget.ts';
import { readJournal, writeJournal } from '../../../src/local/queue-journal.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

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

describe('forgetInJournal', () => {
  it("takes the person's requests out of a pack and keeps the other people's, in order", async () => {
    const { dir, cleanup } = await makeTempDir('taglane-journal-forget-');
    try {
      const path = join(dir, 'queue.journal');
      const request = (key: string, n: number) => ({ v: 1, id: `r${n}`, visitor: { key }, params: {} });
      const pack = JSON.stringify({
        v: 2,
        requests: [request('jane', 1), request('bob', 2), request('ann', 3)],
      });
      const janeOnly = JSON.stringify({ v: 2, requests: [request('jane', 4), request('jane', 5)] });
      await writeJournal(path, [
        { op: 'send', queue: 'requests', id: 'm1', body: pack },
        { op: 'send', queue: 'requests', id: 'm2', body: janeOnly },
        { op: 'send', queue: 'requests', id: 'm3', body: JSON.stringify(request('jane', 6)) },
        { op: 'send', queue: 'requests', id: 'm4', body: JSON.stringify(request('bob', 7)) },
      ]);
      expect(carriesVisitorKey(pack, 'jane')).toBe(true);
      expect(await forgetInJournal(path, 'jane')).toBe(4);
      const left = await readJournal(path);
      expect(left.map((m) => m.id)).toEqual(['m1', 'm4']);
      expect(JSON.parse(left[0]?.body ?? '')).toEqual({
        v: 2,
        requests: [request('bob', 2), request('ann', 3)],
      });
      expect(left.some((m) => m.body.includes('jane'))).toBe(false);
    } finally {
      await cleanup();
    }
  });
});
