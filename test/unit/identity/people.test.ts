import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { syntheticIp, userVisitorId } from '../../../src/identity/matomo-ids.ts';
import { type PersonRef, planPeople } from '../../../src/identity/people.ts';
import type { PersonRecord } from '../../../src/identity/ports.ts';

const hashOf = (key: string): string => `h(${key})`;

function ids(): () => string {
  let n = 0;
  return () => (n++).toString(16).padStart(16, 'a');
}

function plan(refs: PersonRef[], stored: Map<string, PersonRecord> = new Map()) {
  return planPeople(refs, hashOf, stored, 1_000_000, ids());
}

describe('planPeople', () => {
  it("sends a person's anonymous requests after their first user id with sha1(uid)[0:16], as Matomo rewrote the visit", () => {
    const p = plan([
      { requestId: 'a1', key: 'anon-1' },
      { requestId: 's', key: 'user-1', anonymousKey: 'anon-1', uid: 'user-1' },
      { requestId: 'a2', key: 'anon-1' },
    ]);
    const first = p.assignments.get('a1');
    expect(first?.cid).toBe('aaaaaaaaaaaaaaa0');
    expect(p.assignments.get('s')?.cid).toBe(userVisitorId('user-1'));
    expect(p.assignments.get('a2')?.cid).toBe(userVisitorId('user-1'));
    // One fingerprint for the whole person, so Matomo's fallback joins the anonymous visit.
    expect(new Set([...p.assignments.values()].map((a) => a.seed))).toEqual(new Set([first?.seed]));
    expect(p.creates.get('h(anon-1)')).toMatchObject({ userBound: true, links: ['h(user-1)'] });
    expect(p.creates.get('h(user-1)')).toMatchObject({ userBound: true, links: ['h(anon-1)'] });
  });

  it('moves a known anonymous key over to the identified person it is linked with', () => {
    const stored = new Map<string, PersonRecord>([
      [
        'h(anon-2)',
        {
          visitorId: '2222222222222222',
          seed: '2222222222222222',
          userBound: false,
          links: [],
          lastSeen: 1_000_000,
        },
      ],
      [
        'h(user-2)',
        {
          visitorId: userVisitorId('user-2'),
          seed: '9999999999999999',
          userBound: true,
          links: [],
          lastSeen: 1_000_000,
        },
      ],
    ]);
    const p = plan(
      [
        { requestId: 'login', key: 'user-2', anonymousKey: 'anon-2' },
        { requestId: 'later', key: 'anon-2' },
      ],
      stored,
    );
    expect(p.assignments.get('later')?.cid).toBe(userVisitorId('user-2'));
    // The login request carries the device's (anonymous key's) fingerprint.
    expect(p.assignments.get('login')?.seed).toBe('2222222222222222');
    expect(p.updates.get('h(anon-2)')).toMatchObject({
      visitorId: userVisitorId('user-2'),
      seed: '2222222222222222',
    });
    expect(p.creates.size).toBe(0);
  });

  it("joins the browser visit by its id until a user id is known, then sends the user id's hash", () => {
    const p = plan([
      { requestId: 'b', key: 'cus_1', browserId: 'ABCDEF0123456789' },
      { requestId: 'plain', key: 'cus_1' },
      { requestId: 'u', key: 'cus_1', uid: 'u-1' },
      { requestId: 'after', key: 'cus_1' },
      { requestId: 'b2', key: 'cus_1', browserId: 'abcdef0123456789' },
    ]);
    expect(p.assignments.get('b')?.cid).toBe('abcdef0123456789');
    expect(p.assignments.get('plain')?.cid).toBe('abcdef0123456789');
    expect(p.assignments.get('u')?.cid).toBe(userVisitorId('u-1'));
    expect(p.assignments.get('after')?.cid).toBe(userVisitorId('u-1'));
    // Matomo rewrote the person's visits to the user id's hash: a browser id no longer finds them.
    expect(p.assignments.get('b2')?.cid).toBe(userVisitorId('u-1'));
    expect(p.creates.get('h(cus_1)')?.visitorId).toBe(userVisitorId('u-1'));
  });

  it('gives different people different seeds and touches only stale untouched keys', () => {
    const stored = new Map<string, PersonRecord>([
      [
        'h(old)',
        { visitorId: '1111111111111111', seed: '1111111111111111', userBound: false, links: [], lastSeen: 0 },
      ],
    ]);
    const p = plan(
      [
        { requestId: 'x', key: 'x' },
        { requestId: 'y', key: 'y' },
        { requestId: 'o', key: 'old' },
      ],
      stored,
    );
    expect(p.assignments.get('x')?.seed).not.toBe(p.assignments.get('y')?.seed);
    expect(p.assignments.get('o')?.cid).toBe('1111111111111111');
    expect(p.touches).toEqual(['h(old)']);
  });
});

describe('syntheticIp', () => {
  it('puts the seed after the IPv6 documentation prefix', () => {
    expect(syntheticIp('0123456789abcdef')).toBe('2001:db8:123:4567:89ab:cdef::');
    expect(syntheticIp('0000000000000000')).toBe('2001:db8:0:0:0:0::');
    expect(isIP(syntheticIp('0000000000000000'))).toBe(6);
    expect(isIP(syntheticIp('ffffffffffffffff'))).toBe(6);
  });

  it("matches Matomo's getUserIdHashed: the first 16 hex of sha1(uid)", () => {
    // Computed with Python's hashlib.sha1, independently of Node.
    expect(userVisitorId('user_8842')).toBe('dbd39806e5637dfb');
  });
});
