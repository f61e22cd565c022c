import { describe, expect, it } from 'vitest';
import { normaliseTime } from '../../../src/rules/index.ts';

const NOON = 1714564800; // 2024-05-01T12:00:00Z

describe('normaliseTime', () => {
  it.each([
    ['unix seconds', NOON],
    ['unix seconds with a fraction', NOON + 0.75],
    ['unix milliseconds', NOON * 1000 + 123],
    ['a numeric string of seconds', String(NOON)],
    ['a numeric string of milliseconds', String(NOON * 1000)],
    ['ISO-8601 with Z', '2024-05-01T12:00:00Z'],
    ['ISO-8601 with milliseconds', '2024-05-01T12:00:00.999Z'],
    ['ISO-8601 with an offset', '2024-05-01T14:00:00+02:00'],
    ['ISO-8601 with a compact offset', '2024-05-01T07:00:00-0500'],
    ['ISO-8601 without zone, read as UTC', '2024-05-01T12:00:00'],
    ['a space instead of T', '2024-05-01 12:00:00'],
  ])('reads %s as unix seconds', (_label, input) => {
    expect(normaliseTime(input)).toBe(NOON);
  });

  it('reads a date alone as its midnight UTC', () => {
    expect(normaliseTime('2024-05-01')).toBe(NOON - 12 * 3600);
  });

  it('tells milliseconds from seconds by magnitude, even for early epochs', () => {
    // 1e11 ms is 1973; 99_999_999_999 s would be the year 5138, so anything >= 1e11 is ms.
    expect(normaliseTime(100_000_000_000)).toBe(100_000_000);
    expect(normaliseTime(99_999_999_999)).toBe(99_999_999_999);
  });

  it.each([
    ['a word', 'yesterday'],
    ['an empty string', ''],
    ['a negative epoch', -5],
    ['NaN', Number.NaN],
    ['a US date', '05/01/2024'],
    ['a boolean', true],
    ['an object', { seconds: NOON }],
  ])('rejects %s', (_label, input) => {
    expect(() => normaliseTime(input)).toThrow(
      'expected a time as unix seconds, unix milliseconds or ISO-8601',
    );
  });

  it('rejects an impossible date as not in the calendar', () => {
    expect(() => normaliseTime('2024-13-45T00:00:00Z')).toThrow('no such date or time in the calendar');
  });
});
