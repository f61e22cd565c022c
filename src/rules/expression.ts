import jsonata from 'jsonata';
import { ASYNC } from './async.ts';
import { stripeAmount } from './currency.ts';
import { EXPRESSION_PATTERN } from './expression-pattern.ts';
import { compileFast, type Node } from './fast.ts';
import { readPath, type Segment } from './fast-path.ts';
import type { TargetCatalog } from './targets.ts';

export { ASYNC };

/**
 * A compiled rule value. `read` is the fast, synchronous path: a literal, a plain property path
 * (`path`), or the JSONata subset compiled to closures (`compiled`, see fast.ts). It returns
 * {@link ASYNC} when the value needs `evaluate`, JSONata itself: any other expression, or a
 * fast path that met a case (an array, a type error) where JSONata's semantics must decide.
 */
export interface Accessor {
  readonly kind: 'literal' | 'path' | 'compiled' | 'jsonata' | 'list';
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
export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && EXPRESSION_PATTERN.test(value);
}

const IDENT = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*|\x60[^\x60]+\x60)`;
// One index per step at most: JSONata applies a second `[n]` to the filtered sequence, not to
// the element, so `a[0][1]` is not `a[0][1]` in JavaScript.
const STEP = String.raw`${IDENT}(?:\[\d+\])?`;
const PLAIN_PATH = new RegExp(String.raw`^\s*(${STEP}(?:\s*\.\s*${STEP})*)\s*$`);
const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);

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

/** Options of {@link compileValue}. */
export interface CompileOptions {
  /** Read plain paths directly and run the common JSONata subset as closures. @default true */
  readonly optimize?: boolean;
  /** The destinations and named sites rules may use. @default only `default`, no named sites */
  readonly targets?: TargetCatalog;
}

/** Compiles a rule value once: literal, direct property read, JSONata subset closure, or JSONata. */
export function compileValue(value: unknown, options: CompileOptions = {}): Accessor {
  if (typeof value !== 'string' || !isExpression(value)) return literal(value);
  const body = value.slice(2, -2);
  const expression = compileJsonata(body);
  const evaluate = async (input: unknown): Promise<unknown> => expression.evaluate(input);
  if (options.optimize !== false) {
    const segments = parsePlainPath(body);
    if (segments)
      return { kind: 'path', source: value, read: (input) => readPath(input, segments), evaluate };
    const fast = compileFast(expression.ast() as unknown as Node);
    if (fast) return { kind: 'compiled', source: value, read: fast, evaluate };
  }
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
    const expression = jsonata(body);
    // The rule language's own helpers (docs/rules.md); fast.ts runs the same functions.
    expression.registerFunction('stripeAmount', (amount: unknown, currency: unknown) =>
      stripeAmount(amount, currency),
    );
    return expression;
  } catch (e) {
    const err = e as { message?: string; position?: number };
    throw new ExpressionSyntaxError(
      err.message ?? String(e),
      typeof err.position === 'number' ? err.position : 0,
    );
  }
}
