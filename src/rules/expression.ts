import jsonata from 'jsonata';
import { EXPRESSION_PATTERN } from './schema-tracks.ts';

/** Returned by {@link Accessor.read} when the value needs the asynchronous JSONata evaluator. */
export const ASYNC: unique symbol = Symbol('async');

/**
 * A compiled rule value. `read` is the fast, synchronous path (literals and plain property
 * paths); it returns {@link ASYNC} when the value needs `evaluate` (a JSONata expression, or a
 * plain path that meets an array, where JSONata's sequence semantics apply).
 */
export interface Accessor {
  readonly kind: 'literal' | 'path' | 'jsonata' | 'list';
  /** The rule text this was compiled from, for messages. */
  readonly source: string;
  read(input: unknown): unknown;
  evaluate(input: unknown): Promise<unknown>;
}

/** A JSONata syntax error, with its character offset inside the expression. */
export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.position = position;
  }
}

/** Whether a rule value is an expression (exactly one `{% ... %}` block). */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && EXPRESSION_PATTERN.test(value);
}

const IDENT = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*|\x60[^\x60]+\x60)`;
// One index per step at most: JSONata applies a second `[n]` to the filtered sequence, not to
// the element, so `a[0][1]` is not `a[0][1]` in JavaScript.
const STEP = String.raw`${IDENT}(?:\[\d+\])?`;
const PLAIN_PATH = new RegExp(String.raw`^\s*(${STEP}(?:\s*\.\s*${STEP})*)\s*$`);
const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);

type Segment = string | number;

/** Splits a plain JSONata path (`data.object.id`, `items[0].sku`) or returns undefined. */
export function parsePlainPath(body: string): Segment[] | undefined {
  const match = PLAIN_PATH.exec(body);
  if (!match?.[1]) return undefined;
  const segments: Segment[] = [];
  for (const step of match[1].matchAll(new RegExp(`(${IDENT})((?:\\[\\d+\\])*)`, 'g'))) {
    const name = step[1] ?? '';
    if (RESERVED.has(name)) return undefined;
    segments.push(name.startsWith('`') ? name.slice(1, -1) : name);
    for (const index of (step[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** Compiles a rule value once: literal, direct property read, or JSONata. */
export function compileValue(value: unknown): Accessor {
  if (!isExpression(value)) return literal(value);
  const body = value.slice(2, -2);
  const segments = parsePlainPath(body);
  const expression = compileJsonata(body);
  const evaluate = async (input: unknown): Promise<unknown> => expression.evaluate(input);
  if (segments) return { kind: 'path', source: value, read: (input) => readPath(input, segments), evaluate };
  return { kind: 'jsonata', source: value, read: () => ASYNC, evaluate };
}

/** A constant. */
export function literal(value: unknown): Accessor {
  const resolved = Promise.resolve(value);
  return {
    kind: 'literal',
    source: JSON.stringify(value) ?? '',
    read: () => value,
    evaluate: () => resolved,
  };
}

function compileJsonata(body: string): jsonata.Expression {
  try {
    return jsonata(body);
  } catch (e) {
    const err = e as { message?: string; position?: number };
    throw new ExpressionSyntaxError(
      err.message ?? String(e),
      typeof err.position === 'number' ? err.position : 0,
    );
  }
}

/**
 * Reads a path directly. Gives up (ASYNC) wherever JSONata's sequence semantics could differ
 * from a plain read: an array met on the way or at the end, or an index into a non-array.
 */
function readPath(input: unknown, segments: readonly Segment[]): unknown {
  let current = input;
  for (const seg of segments) {
    if (Array.isArray(current)) {
      if (typeof seg !== 'number') return ASYNC;
      current = current[seg];
    } else if (typeof seg === 'number') {
      return current === undefined ? undefined : ASYNC;
    } else if (current !== null && typeof current === 'object') {
      current = Object.hasOwn(current, seg) ? (current as Record<string, unknown>)[seg] : undefined;
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return Array.isArray(current) ? ASYNC : current;
}
