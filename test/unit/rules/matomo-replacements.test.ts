import { describe, expect, it } from 'vitest';
import { RuleEvaluationError } from '../../../src/rules/index.ts';
import { CTX, compileOne, HEADER, oneTrack, paramsOf } from './helpers.ts';

/** Matomo swaps a cdt older than 20 years or in the future for "now" (matomo-server-behaviour.md). */
const timed = compileOne(`${HEADER}time: '{% at %}'
rules:
  - name: r
    track:
      - pageview: {}
`);

const receivedS = CTX.receivedAt / 1000;

async function failure(event: unknown, source = timed): Promise<RuleEvaluationError> {
  const error: unknown = await source.map(event, CTX).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RuleEvaluationError))
    throw new Error(`expected a RuleEvaluationError, got ${String(error)}`);
  return error;
}

describe('times Matomo would silently replace', () => {
  it.each([
    ['cdt=1 (1970)', 1],
    ['the year 2100', '2100-01-01T00:00:00Z'],
    ['the largest JavaScript time, 8.64e15 ms', 8.64e15],
    ['21 years ago', receivedS - 21 * 365 * 86400],
    ['an hour ahead of the time received', receivedS + 3600],
  ])('refuses %s with a problem that says why', async (_label, at) => {
    const error = await failure({ at });
    expect(error.field).toBe('time');
    expect(error.reason).toMatch(/Matomo would replace it/);
  });

  it.each([
    ['February 30th', '2024-02-30'],
    ['April 31st', '2024-04-31T10:00:00Z'],
    ['hour 24', '2024-05-01T24:00:00Z'],
    ['minute 60', '2024-05-01T12:60:00Z'],
  ])('refuses a calendar date that does not exist: %s (Date.parse would roll it over)', async (_l, at) => {
    const error = await failure({ at });
    expect(error.field).toBe('time');
    expect(error.reason).toContain('no such date or time');
  });

  it('accepts a time a few seconds ahead (clock skew) and one 19 years old', async () => {
    expect((await paramsOf(timed, { at: receivedS + 30 }))[0]?.cdt).toBe(String(receivedS + 30));
    const old = receivedS - 19 * 365 * 86400;
    expect((await paramsOf(timed, { at: old }))[0]?.cdt).toBe(String(old));
    expect((await paramsOf(timed, { at: '2024-02-29' }))[0]?.cdt).toBe(String(Date.UTC(2024, 1, 29) / 1000));
  });
});

describe('numbers Matomo would misread', () => {
  it('refuses an order revenue that overflows to Infinity, and drops an optional one', async () => {
    const s = oneTrack(`order: { id: o1, revenue: '{% amount %}' }`);
    const error = await failure({ amount: '1e400' }, s);
    expect(error.field).toBe('track[0].order.revenue');
    expect(error.reason).toContain('finite');
    const goal = await oneTrack(`goal: { id: 1, revenue: '{% amount %}' }`).map({ amount: '1e400' }, CTX);
    expect(goal.requests[0]?.params.revenue).toBeUndefined();
    expect(goal.requests[0]?.warnings?.[0]?.message).toBe('dropped: expected a finite number');
  });

  it('sends numbers in plain decimal notation, never as 1e+21', async () => {
    const s = oneTrack(`event: { category: c, action: a, value: '{% v %}' }`);
    expect((await paramsOf(s, { v: 1e21 }))[0]?.e_v).toBe('1000000000000000000000');
    expect((await paramsOf(s, { v: '2.5e3' }))[0]?.e_v).toBe('2500');
    expect((await paramsOf(s, { v: 1.5e-7 }))[0]?.e_v).toBe('0.00000015');
    expect((await paramsOf(s, { v: -1.25e22 }))[0]?.e_v).toBe('-12500000000000000000000');
    const goal = oneTrack(`goal: { id: 1, revenue: '{% amount %}' }`);
    expect((await paramsOf(goal, { amount: 1e21 }))[0]?.revenue).toBe('1000000000000000000000');
  });
});
