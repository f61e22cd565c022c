import { FieldError } from './errors.ts';

/** Turns a value a rule produced into the string Matomo receives, or throws {@link FieldError}. */
export type Coerce = (raw: unknown) => string;

const NUMERIC = /^\s*-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** A finite number from a number or a numeric string (Shopify sends prices as "19.99"). */
export function toNumber(raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string' && NUMERIC.test(raw)) {
    const value = Number(raw);
    // "1e400" is numeric text but overflows: Matomo would receive "Infinity".
    if (Number.isFinite(value)) return value;
    throw new FieldError('expected a finite number', raw);
  }
  throw new FieldError('expected a number', raw);
}

/**
 * A number in plain decimal notation: `String(1e21)` is "1e+21", which Matomo does not read as
 * the number meant. The digits are those of JavaScript's shortest round-trip form, so the text
 * still reads back as exactly the same number.
 *
 * @example
 * plainDecimal(1e21)   // "1000000000000000000000"
 * plainDecimal(1.5e-7) // "0.00000015"
 */
export function plainDecimal(value: number): string {
  const shortest = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(shortest);
  if (!match) return shortest;
  const [, sign = '', lead = '', rest = '', exp = '0'] = match;
  const digits = lead + rest;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Text: strings as they are, numbers and booleans as their text. */
export const text: Coerce = (raw) => {
  if (typeof raw === 'string') return raw;
  if ((typeof raw === 'number' && Number.isFinite(raw)) || typeof raw === 'boolean') return String(raw);
  throw new FieldError('expected a string', raw);
};

/** Text that is not empty after trimming (Matomo trims e_c, e_a and treats blank as missing). */
export const nonBlank: Coerce = (raw) => {
  const value = text(raw);
  if (value.trim() === '') throw new FieldError('expected a non-empty string', raw);
  return value;
};

/** Any finite number, as Matomo reads it (e_v). */
export const numeric: Coerce = (raw) => plainDecimal(toNumber(raw));

/** Round to 2 decimals as Matomo stores money, so what we send is what it records. */
export function roundMoney(value: number): number {
  // Past 2^53 every number is an integer, and value * 100 would lose digits that are there.
  if (Number.isInteger(value)) return value;
  return Math.round((value + Number.EPSILON * Math.sign(value)) * 100) / 100;
}

/** Money: a number rounded to 2 decimals (revenue, ec_st, ec_tx, ec_sh, ec_dt). */
export const money: Coerce = (raw) => plainDecimal(roundMoney(toNumber(raw)));

/** An integer of at least `min`. */
export function integer(min: number): Coerce {
  return (raw) => {
    const value = toNumber(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new FieldError(min === 0 ? 'expected an integer >= 0' : `expected an integer >= ${min}`, raw);
    }
    return plainDecimal(value);
  };
}

const ABSOLUTE_URL = /^https?:\/\/[^\s/?#]+/i;

/** An absolute http(s) URL; Matomo would store anything else as a broken page URL. */
export const url: Coerce = (raw) => {
  const value = nonBlank(raw);
  // A prefix check, not a full parse: this runs for every request and Matomo is lenient after the host.
  if (!ABSOLUTE_URL.test(value)) throw new FieldError('expected an absolute http(s) URL', raw);
  return value;
};

/** The `params` escape hatch: scalars as text; JSON-typed parameters accept objects. */
export function param(name: string): Coerce {
  const json = JSON_PARAMS.has(name);
  return (raw) => {
    if (json && typeof raw === 'object' && raw !== null) return JSON.stringify(raw);
    return text(raw);
  };
}

const JSON_PARAMS = new Set(['_cvar', 'cvar', 'uadata']);
