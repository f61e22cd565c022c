import { describe, expect, it } from 'vitest';
import {
  type EmulatorState,
  emptyEmulatorState,
  emulateBulk,
  type TrackingParams,
} from '../../../src/matomo/emulator.ts';

const T = 1_760_000_000;
const config = { sites: [1], writeTokens: ['tok'], now: T + 86_000 };

/** Sends requests one bulk each, as a batcher would across batches; returns each request's visit. */
function run(requests: TrackingParams[], state: EmulatorState = emptyEmulatorState()) {
  let current = state;
  const visitOf: number[] = [];
  for (const params of requests) {
    const result = emulateBulk({ requests: [params], tokenAuth: 'tok', sendImage: true }, config, current);
    current = result.state;
    const [outcome] = result.outcomes;
    visitOf.push(outcome?.kind === 'recorded' ? outcome.idvisit : -1);
  }
  return { visitOf, state: current };
}

const pv = (extra: Record<string, string>, at: number): TrackingParams => ({
  idsite: '1',
  rec: '1',
  cdt: String(T + at),
  action_name: 'page',
  ...extra,
});

describe('the Matomo model: visits', () => {
  it("joins a person's first uid request to ANOTHER person's recent visit when they share the fingerprint", () => {
    // What every server-side sender without cip did: the same IP and User-Agent for everyone.
    const { visitOf, state } = run([
      pv({ cid: 'bbbbbbbbbbbbbbbb' }, 0),
      pv({ cid: 'aaaaaaaaaaaaaaaa' }, 10),
      pv({ cid: 'bbbbbbbbbbbbbbbb', uid: 'bob' }, 20),
    ]);
    expect(visitOf).toEqual([1, 2, 2]);
    // ...and rewrote Alice's visit to Bob's id, sha1('bob')[0:16] (computed with Python's hashlib).
    expect(state.visits.find((v) => v.idvisit === 2)).toMatchObject({
      userId: 'bob',
      idvisitor: '48181acd22b3edae',
    });
  });

  it('keeps people apart when each carries their own cip', () => {
    const { visitOf } = run([
      pv({ cid: 'bbbbbbbbbbbbbbbb', cip: '2001:db8:b::' }, 0),
      pv({ cid: 'aaaaaaaaaaaaaaaa', cip: '2001:db8:a::' }, 10),
      pv({ cid: 'bbbbbbbbbbbbbbbb', cip: '2001:db8:b::', uid: 'bob' }, 20),
    ]);
    expect(visitOf).toEqual([1, 2, 1]);
  });

  it('starts a new visit for a request with the old cid after a uid rewrote the visit', () => {
    const { visitOf } = run([
      pv({ cid: 'cccccccccccccccc', cip: '2001:db8:c::' }, 0),
      pv({ cid: 'cccccccccccccccc', cip: '2001:db8:c::', uid: 'carol' }, 10),
      pv({ cid: 'cccccccccccccccc', cip: '2001:db8:c::' }, 20),
      pv({ cid: '28b92b56ee64b92e', cip: '2001:db8:c::' }, 30),
    ]);
    expect(visitOf).toEqual([1, 1, 2, 1]);
  });

  it('matches a cid without uid on the visitor id only, never on the fingerprint', () => {
    const { visitOf } = run([pv({ cid: '1111111111111111' }, 0), pv({ cid: '2222222222222222' }, 5)]);
    expect(visitOf).toEqual([1, 2]);
  });

  it("never moves a visit's first action time back, and opens a new visit after 30 minutes", () => {
    const { visitOf, state } = run([
      pv({ cid: 'dddddddddddddddd' }, 100),
      pv({ cid: 'dddddddddddddddd' }, 40),
      pv({ cid: 'dddddddddddddddd' }, 100 + 1800),
    ]);
    expect(visitOf).toEqual([1, 1, 2]);
    expect(state.visits[0]).toMatchObject({ firstActionTime: T + 100, lastActionTime: T + 100, actions: 2 });
  });
});
