import { FieldError } from './errors.ts';

/**
 * Epochs at or above this are milliseconds: 1e11 seconds is the year 5138, while 1e11
 * milliseconds is 1973. Matomo silently replaces a millisecond `cdt` with "now", so the
 * distinction must be made here.
 */
const MS_THRESHOLD = 1e11;

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const NUMERIC = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * Normalises an event time to unix seconds, the only `cdt` form Matomo never misreads.
 * Accepts unix seconds, unix milliseconds (detected by magnitude), numeric strings of either,
 * and ISO-8601 (a time without zone is UTC, as Matomo assumes). Anything else throws.
 *
 * @example
 * normaliseTime('2024-05-01T12:00:00Z') // 1714564800
 * normaliseTime(1714564800123)          // 1714564800
 */
export function normaliseTime(raw: unknown): number {
  if (typeof raw === 'number') return fromEpoch(raw, raw);
  if (typeof raw === 'string') {
    if (NUMERIC.test(raw)) return fromEpoch(Number(raw), raw);
    const value = raw.trim();
    if (ISO.test(value)) {
      const zoned = value.length > 10 && !HAS_ZONE.test(value) ? `${value}Z` : value;
      const ms = Date.parse(zoned.replace(' ', 'T'));
      if (Number.isFinite(ms) && ms >= 0) return Math.floor(ms / 1000);
    }
  }
  throw new FieldError('expected a time as unix seconds, unix milliseconds or ISO-8601', raw);
}

/** The largest time a JavaScript Date holds (ms); beyond it `cdt` would not even be digits. */
const MAX_TIME_MS = 8.64e15;

function fromEpoch(value: number, raw: unknown): number {
  if (!Number.isFinite(value) || value < 0 || value > MAX_TIME_MS) {
    throw new FieldError('expected a time as unix seconds, unix milliseconds or ISO-8601', raw);
  }
  return Math.floor(value >= MS_THRESHOLD ? value / 1000 : value);
}
