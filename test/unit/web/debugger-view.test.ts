import { describe, expect, it } from 'vitest';
import type { DebugEntry, DeliveryState } from '../../../src/local/debugger/wire.ts';
import { matches, progress, visitRows } from '../../../web/debugger/view.ts';

let seq = 0;
function entry(
  visitor: string | undefined,
  time: number,
  states: DeliveryState[] = ['recorded'],
): DebugEntry {
  seq += 1;
  return {
    seq,
    at: time * 1000,
    method: 'POST',
    path: '/events',
    route: 'POST /events',
    source: 'app',
    auth: 'api-key',
    status: 202,
    outcome: visitor === undefined ? 'ignored' : 'accepted',
    requests:
      visitor === undefined
        ? []
        : states.map((state, n) => ({
            id: `${seq}-${n}`,
            eventId: `e${seq}`,
            rule: 'r',
            index: n,
            params: { cid: `cid-${visitor}` },
            visitorKey: visitor,
            time,
            state,
            steps: [],
          })),
  };
}

describe('the debugger list', () => {
  it('groups by visitor and starts a new visit after 30 minutes without an action, as Matomo does', () => {
    const rows = visitRows([
      entry('ann', 1000),
      entry('bob', 1100),
      entry('ann', 1000 + 29 * 60),
      entry('ann', 1000 + 29 * 60 + 30 * 60),
      entry(undefined, 1200),
    ]);
    expect(
      rows.map((r) =>
        r.kind === 'visit' ? `${r.visitor} visit ${r.visit} (${r.count})` : `  ${r.entry.seq}`,
      ),
    ).toEqual([
      'ann visit 1 (2)',
      '  1',
      '  3',
      'ann visit 2 (1)',
      '  4',
      'bob visit 1 (1)',
      '  2',
      '(no visitor: refused or ignored) visit 0 (1)',
      '  5',
    ]);
  });

  it('names the least advanced state of a row and filters on any state of its requests', () => {
    const mixed = entry('cy', 1, ['recorded', 'retried']);
    expect(progress(mixed)).toBe('retried');
    const all = { source: '', visitor: '', outcome: '', text: '' };
    expect(matches(mixed, { ...all, outcome: 'recorded' })).toBe(true);
    expect(matches(mixed, { ...all, outcome: 'dead-lettered' })).toBe(false);
    expect(matches(mixed, { ...all, visitor: 'nobody' })).toBe(false);
    expect(matches(mixed, { ...all, visitor: 'cid-cy' })).toBe(true);
    expect(matches(mixed, { ...all, text: `E${mixed.seq}` })).toBe(true);
  });
});
