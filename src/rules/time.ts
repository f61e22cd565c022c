import { FieldError } from './errors.ts';

/**
 * Epochs at or above this are milliseconds: 1e11 seconds is the year 5138, while 1e11
 * milliseconds is 1973. Matomo silently replaces a millisecond `cdt` with "now", so the
 * distinction must be made here.
 */
const MS_THRESHOLD = 1e11;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
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
    const parts = ISO.exec(value);
    if (parts) {
      checkCalendar(parts, raw);
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

/**
 * `Date.parse` rolls impossible dates over (2024-02-30 becomes 1 March, 24:00 the next day)
 * and Matomo's strtotime does the same: both would record a time the sender never meant.
 */
function checkCalendar(parts: RegExpExecArray, raw: unknown): void {
  const [year, month, day, hour, minute, second] = parts
    .slice(1, 7)
    .map((p) => (p === undefined ? 0 : Number(p)));
  const daysInMonth = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
  const valid =
    month !== undefined &&
    month >= 1 &&
    month <= 12 &&
    day !== undefined &&
    day >= 1 &&
    day <= daysInMonth &&
    (hour ?? 0) <= 23 &&
    (minute ?? 0) <= 59 &&
    (second ?? 0) <= 59;
  if (!valid) throw new FieldError('no such date or time in the calendar', raw);
}

/** Matomo replaces a `cdt` older than this (20 × 365 days, core/Tracker/Request.php). */
const MATOMO_MAX_AGE_S = 20 * 365 * 86_400;

/**
 * How long a request may wait on the queue (SQS's longest retention, 14 days): a time must
 * still be inside Matomo's 20 years when it is delivered, not only when it is received.
 */
const QUEUE_RETENTION_S = 14 * 86_400;

/** Clock difference between a sender and Taglane that is not treated as a future time. */
export const FUTURE_SKEW_S = 60;

/**
 * Refuses an event time Matomo would silently swap for the time it processes the request: in
 * the future (beyond {@link FUTURE_SKEW_S} of clock skew) or older than 20 years (less the
 * queue's retention, so a request that waits out an outage is still valid on delivery).
 *
 * @param time unix seconds, from {@link normaliseTime}
 * @param receivedAtMs when ingest received the event, unix milliseconds
 * @throws FieldError naming the limit that was crossed
 */
export function checkTimeRange(time: number, receivedAtMs: number): number {
  const now = Math.floor(receivedAtMs / 1000);
  if (time > now + FUTURE_SKEW_S) {
    throw new FieldError(
      `is ${time - now} s after the time received (more than ${FUTURE_SKEW_S} s of clock skew): Matomo would replace it with its own time`,
      time,
    );
  }
  if (now - time > MATOMO_MAX_AGE_S - QUEUE_RETENTION_S) {
    throw new FieldError(
      'is older than 20 years less the queue retention of 14 days: Matomo would replace it with its own time',
      time,
    );
  }
  return time;
}
