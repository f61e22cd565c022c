import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { headBytes, requestBytes, stepBytes } from '../../../../src/local/debugger/footprint.ts';
import { BODY_DROPPED, EventStore, type NewEntry } from '../../../../src/local/debugger/store.ts';
import type { StreamMessage } from '../../../../src/local/debugger/wire.ts';

const entry = (path: string): NewEntry => ({
  at: 0,
  method: 'POST',
  path,
  route: 'POST /events',
  source: 'app',
  auth: 'api-key',
  status: undefined,
  outcome: 'pending',
  headers: {},
  query: '',
  body: '{}',
  bodyTruncated: false,
});

const request = (id: string) => ({
  id,
  eventId: 'e',
  rule: 'r',
  index: 0,
  params: { idsite: '1' },
  visitorKey: 'v',
  time: 0,
});

describe('EventStore', () => {
  it('keeps the last `capacity` entries and forgets the requests of those it drops', () => {
    const store = new EventStore({ capacity: 3 });
    for (let n = 1; n <= 5; n += 1) store.addRequests(store.add(entry(`/${n}`)), [request(`id${n}`)]);
    expect(store.list().map((e) => e.path)).toEqual(['/3', '/4', '/5']);
    expect(store.has('id2')).toBe(false);
    expect(store.has('id3')).toBe(true);
    expect(store.get(2)).toBeUndefined();
    store.close();
  });

  it('lets the garbage collector have an entry once it leaves the buffer, body and all', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = new EventStore({ capacity: 2, flushMs: 1 });
    const first = new WeakRef(store.add({ ...entry('/1'), body: 'x'.repeat(100) }));
    store.addRequests(first.deref() ?? store.add(entry('/never')), [request('id1')]);
    store.add(entry('/2'));
    store.add(entry('/3'));
    // Past the flush, which holds changed entries until it has sent them.
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    expect(store.list().map((e) => e.path)).toEqual(['/2', '/3']);
    expect(first.deref()).toBeUndefined();
    store.close();
  });

  it('lets the oldest entries go past its memory budget, and tells the page which', async () => {
    const size = headBytes(entry('/n')) + requestBytes(request('idn'));
    const store = new EventStore({ memoryBudget: 3 * size + size / 2, flushMs: 1 });
    const seen: StreamMessage[] = [];
    store.subscribe((m) => seen.push(m));
    for (let n = 1; n <= 5; n += 1) store.addRequests(store.add(entry(`/${n}`)), [request(`id${n}`)]);
    expect(store.list().map((e) => e.path)).toEqual(['/3', '/4', '/5']);
    expect(store.has('id2')).toBe(false);
    expect(store.memoryUsed).toBe(3 * size);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Told once, and never of an entry it has already let go.
    expect(seen.filter((m) => m.type === 'evicted')).toEqual([{ type: 'evicted', through: 2 }]);
    expect(seen.flatMap((m) => (m.type === 'entry' ? [m.entry.path] : []))).toEqual(['/3', '/4', '/5']);
    store.clear();
    expect(store.memoryUsed).toBe(0);
    store.close();
  });

  it('takes no requests for an entry let go while its request was being answered', () => {
    const store = new EventStore({ capacity: 1 });
    const first = store.add(entry('/1'));
    store.add(entry('/2'));
    const used = store.memoryUsed;
    store.addRequests(first, [request('late')]);
    first.status = 202;
    store.answered(first);
    expect(store.has('late')).toBe(false);
    expect(store.memoryUsed).toBe(used);
    store.clear();
    const cleared = store.add(entry('/3'));
    store.clear();
    store.addRequests(cleared, [request('after-clear')]);
    expect(store.has('after-clear')).toBe(false);
    expect(store.memoryUsed).toBe(0);
    store.close();
  });

  it('keeps the newest entry whatever its size, and counts its delivery as it grows', () => {
    const store = new EventStore({ memoryBudget: 10, bodyBudget: 1_000_000 });
    store.add(entry('/old'));
    const big = store.add({ ...entry('/big'), body: 'x'.repeat(10_000) });
    store.addRequests(big, [request('r1')]);
    expect(store.list().map((e) => e.path)).toEqual(['/big']);
    const before = store.memoryUsed;
    store.step('r1', 'retried', 'Matomo answered 503');
    store.stepAll(['r1'], 'sent', 'bulk of 1', () => '0123456789abcdef');
    expect(store.memoryUsed).toBeGreaterThan(before);
    expect(store.get(big.seq)?.body).toHaveLength(10_000);
    store.close();
  });

  it('never counts a request retried past its kept steps below the steps it still holds', () => {
    const store = new EventStore();
    store.addRequests(store.add(entry('/r')), [request('r1')]);
    const before = store.memoryUsed;
    for (let n = 0; n < 60; n += 1) store.stepAll(['r1'], 'in-batch', `attempt ${n}`);
    const held = store.list()[0]?.requests[0]?.steps.length ?? 0;
    expect(held).toBe(50);
    expect(store.memoryUsed - before).toBeGreaterThanOrEqual(
      held * stepBytes({ at: 0, state: 'in-batch' }, true),
    );
    store.close();
  });

  it('counts a body past U+00FF at two bytes a character, as V8 keeps it', () => {
    const empty = headBytes({ ...entry('/'), body: '' });
    expect(headBytes({ ...entry('/'), body: 'é'.repeat(100) }) - empty).toBe(100);
    expect(headBytes({ ...entry('/'), body: '€'.repeat(100) }) - empty).toBe(200);
    expect(headBytes({ ...entry('/'), body: '😀'.repeat(50) }) - empty).toBe(200);
  });

  it('records delivery steps against the request id and adds what the batcher learnt', () => {
    const store = new EventStore();
    const stored = store.add(entry('/a'));
    store.addRequests(stored, [request('r1')]);
    store.step('r1', 'queued');
    store.step('r1', 'sent', 'bulk of 1', { cid: '0123456789abcdef' });
    store.step('unknown', 'recorded');
    const [shown] = store.list();
    expect(shown?.requests[0]?.state).toBe('sent');
    expect(shown?.requests[0]?.params).toEqual({ idsite: '1', cid: '0123456789abcdef' });
    expect(shown?.requests[0]?.steps.map((s) => [s.state, s.detail])).toEqual([
      ['queued', undefined],
      ['sent', 'bulk of 1'],
    ]);
    store.close();
  });

  it("records one step for many requests at once, each with its own cid, without changing the producer's parameters", () => {
    const store = new EventStore();
    const produced = [request('r1'), request('r2')];
    store.addRequests(store.add(entry('/a')), produced);
    store.stepAll(['r2', 'unknown', 'r1'], 'in-batch', 'attempt 1');
    store.stepAll(['r1', 'r2'], 'queued');
    store.stepAll(['r1', 'r2'], 'sent', 'bulk of 2', (index) => ['c1', 'c2'][index] ?? '');
    const shown = store.list()[0]?.requests ?? [];
    expect(shown.map((r) => [r.id, r.state, r.params.cid])).toEqual([
      ['r1', 'sent', 'c1'],
      ['r2', 'sent', 'c2'],
    ]);
    // "queued" happened before the batcher took the request, whenever ingest heard of it.
    expect(shown[0]?.steps.map((s) => s.state)).toEqual(['queued', 'in-batch', 'sent']);
    expect(produced[0]?.params).toEqual({ idsite: '1' });
    store.close();
  });

  it('sends a burst of changes to one entry as one message', async () => {
    const store = new EventStore({ flushMs: 5 });
    const seen: StreamMessage[] = [];
    store.subscribe((m) => seen.push(m));
    const stored = store.add(entry('/a'));
    store.addRequests(stored, [request('r1'), request('r2')]);
    for (const state of ['queued', 'in-batch', 'sent', 'recorded'] as const) store.step('r1', state);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen.map((m) => m.type)).toEqual(['entry']);
    store.clear();
    expect(seen.map((m) => m.type)).toEqual(['entry', 'clear']);
    expect(store.list()).toEqual([]);
    store.close();
  });

  it('drops the oldest bodies once all bodies together pass the budget, and no longer counts them', () => {
    const store = new EventStore({ bodyBudget: 10 });
    const first = store.add({ ...entry('/1'), body: 'aaaaaa' });
    const before = store.memoryUsed;
    store.add({ ...entry('/2'), body: 'bbbbbb' });
    expect(store.get(first.seq)?.body).toBe(BODY_DROPPED);
    expect(store.get(first.seq)?.bodyTruncated).toBe(true);
    expect(store.get(first.seq + 1)?.body).toBe('bbbbbb');
    expect(store.memoryUsed).toBe(2 * before - 'aaaaaa'.length);
    store.close();
  });

  it('keeps "queued" first when the batcher took the message before the queue answered ingest', () => {
    const store = new EventStore();
    store.addRequests(store.add(entry('/q')), [request('r1')]);
    store.step('r1', 'in-batch', 'attempt 1');
    store.step('r1', 'queued');
    const [shown] = store.list();
    expect(shown?.requests[0]?.state).toBe('in-batch');
    expect(shown?.requests[0]?.steps.map((s) => s.state)).toEqual(['queued', 'in-batch']);
    store.close();
  });
});
