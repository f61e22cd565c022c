import type { HostileBody, HostileCase, HostileCategory } from './cases.ts';

/** Headers of a JSON POST. */
export const JSON_TYPE = { 'content-type': 'application/json' };

/** The unix time (seconds) events claim: just before the tests' fixed clock. */
export const EVENT_TIME = 1_789_999_000;

/** A valid app page view; cases change one thing about it. */
export function appEvent(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'evt_hostile_1',
    type: 'page_view',
    timestamp: EVENT_TIME,
    anonymousId: 'anon_hostile',
    properties: { url: 'https://www.example.com/a', title: 'A' },
    ...extra,
  };
}

/** A valid event for the `hostile` source, whose rule copies these fields into Matomo's. */
export function hostileEvent(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'event',
    who: 'user-1',
    at: EVENT_TIME,
    category: 'Category',
    action: 'Action',
    name: 'Name',
    value: 1,
    ...extra,
  };
}

/** Slug-safe names. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'case'
  );
}

type Expect = HostileCase['expect'];

/** Where and how a case is sent. */
export interface Target {
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly auth: HostileCase['request']['auth'];
  readonly method?: string;
}

export const APP: Target = { path: '/events', query: { source: 'app' }, auth: 'app' };
export const HOSTILE: Target = { path: '/events', query: { source: 'hostile' }, auth: 'hostile' };
export const STRIPE: Target = { path: '/webhooks/stripe', auth: 'stripe' };

/** One case. */
export function make(
  category: HostileCategory,
  name: string,
  description: string,
  target: Target,
  body: HostileBody,
  expect: Expect,
  headers: Record<string, string> = JSON_TYPE,
): HostileCase {
  return {
    name: `${category}--${slug(name)}`,
    category,
    description,
    request: {
      ...(target.method ? { method: target.method } : {}),
      path: target.path,
      ...(target.query ? { query: target.query } : {}),
      headers,
      auth: target.auth,
      body,
    },
    expect,
  };
}

export const text = (value: string): HostileBody => ({ text: value });
export const json = (value: unknown): HostileBody => ({ text: JSON.stringify(value) });
export const bytes = (value: Buffer): HostileBody => ({ base64: value.toString('base64') });
export const repeat = (head: string, unit: string, count: number, tail: string): HostileBody => ({
  repeat: { head, unit, count, tail },
});
/** `head + open × count + middle + close × count + tail`: nesting without storing it. */
export const nest = (
  head: string,
  open: string,
  count: number,
  middle: string,
  close: string,
  tail: string,
): HostileBody => ({
  repeat: { head, unit: open, count, middle, close, tail },
});
/** Stands for a long string in {@link padded}. */
export const PAD = '\u0000PAD\u0000';
/** `value` as JSON with the string {@link PAD} replaced by `count` copies of `unit`, stored compactly. */
export const padded = (value: unknown, unit: string, count: number): HostileBody => {
  const [head, tail] = JSON.stringify(value).split(JSON.stringify(PAD));
  return repeat(`${head ?? ''}"`, unit, count, `"${tail ?? ''}`);
};

export const ok: Expect = { status: 202 };
export const badJson: Expect = { status: 400, type: 'invalid-json' };
export const badShape: Expect = { status: 400, type: 'invalid-shape' };
export const unauthorized: Expect = { status: 401, type: 'unauthorized' };
export const notFound = (type: 'no-route' | 'unknown-source'): Expect => ({ status: 404, type });
export const notAllowed: Expect = { status: 405, type: 'method-not-allowed' };
export const tooLarge: Expect = { status: 413, type: 'payload-too-large' };
export const badMedia: Expect = { status: 415, type: 'unsupported-media-type' };
export const ruleFailed: Expect = { status: 422, type: 'rule-failed' };
