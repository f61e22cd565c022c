/**
 * The shape of a hostile-input fixture (`test/fixtures/hostile/*.json`) and how a test turns
 * one into a request. Secrets are never in a fixture: `auth` names which credential the test
 * adds at run time.
 */
export interface HostileCase {
  readonly name: string;
  readonly category: HostileCategory;
  readonly description: string;
  readonly request: {
    readonly method?: string;
    readonly path: string;
    readonly query?: Record<string, string>;
    readonly headers: Record<string, string>;
    /** `app`/`hostile`: a valid x-api-key for that source; `stripe`: a valid signature. */
    readonly auth: 'app' | 'hostile' | 'stripe' | 'none';
    readonly body: HostileBody;
  };
  /** What ingest must answer; `type` is the problem slug for a 4xx. */
  readonly expect: { readonly status: number; readonly type?: string };
}

/** Bodies too big to keep as files are described by a repetition. */
export type HostileBody =
  | { readonly text: string }
  | { readonly base64: string }
  | {
      /** `head + unit × count + middle + close × count + tail` */
      readonly repeat: {
        readonly head: string;
        readonly unit: string;
        readonly count: number;
        readonly middle?: string;
        readonly close?: string;
        readonly tail: string;
      };
    };

export const HOSTILE_CATEGORIES = [
  'invalid-json',
  'invalid-utf8',
  'deep-nesting',
  'huge',
  'prototype-keys',
  'wrong-types',
  'oversized',
  'headers',
  'unicode-names',
  'routing',
] as const;

export type HostileCategory = (typeof HOSTILE_CATEGORIES)[number];

/** The exact bytes a fixture's body stands for. */
export function bodyBytes(body: HostileBody): Buffer {
  if ('text' in body) return Buffer.from(body.text, 'utf8');
  if ('base64' in body) return Buffer.from(body.base64, 'base64');
  const { head, unit, count, middle = '', close = '', tail } = body.repeat;
  return Buffer.from(head + unit.repeat(count) + middle + close.repeat(count) + tail, 'utf8');
}
