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
  /**
   * Expressions parsed ahead of time (a prepared rule set, see {@link preparseExpression}): the
   * JSONata AST of each body, or null where only JSONata itself runs it. With it, JSONata parses
   * nothing until an expression needs JSONata's own evaluation; every body compiled must be in
   * it (the prepared rule set checks that before compiling). @default parse each with JSONata now
   */
  readonly parsed?: ReadonlyMap<string, Node | null>;
}

/** Compiles a rule value once: literal, direct property read, JSONata subset closure, or JSONata. */
export function compileValue(value: unknown, options: CompileOptions = {}): Accessor {
  if (typeof value !== 'string' || !isExpression(value)) return literal(value);
  const body = value.slice(2, -2);
  // From source, JSONata parses now, so a syntax error is thrown here; prepared, it was parsed
  // at synth and JSONata is only loaded for an evaluation the fast paths leave to it.
  let expression = options.parsed === undefined ? compileJsonata(body) : undefined;
  const evaluate = async (input: unknown): Promise<unknown> => {
    expression ??= compileJsonata(body);
    return expression.evaluate(input);
  };
  if (options.optimize !== false) {
    const segments = parsePlainPath(body);
    if (segments)
      return { kind: 'path', source: value, read: (input) => readPath(input, segments), evaluate };
    const ast = expression === undefined ? options.parsed?.get(body) : (expression.ast() as unknown as Node);
    const fast = ast ? compileFast(ast) : undefined;
    if (fast) return { kind: 'compiled', source: value, read: fast, evaluate };
  }
  return { kind: 'jsonata', source: value, read: () => ASYNC, evaluate };
}

/**
 * Parses an expression body for a prepared rule set: its JSONata AST when the fast compiler
 * takes it and the AST survives JSON unchanged (no regexes, functions or undefined values), so
 * the closures built from the stored copy are the ones built from JSONata's; else null.
 *
 * @throws {ExpressionSyntaxError} for invalid JSONata.
 */
export function preparseExpression(body: string): Node | null {
  if (parsePlainPath(body)) return null;
  const ast = compileJsonata(body).ast() as unknown as Node;
  return isJsonValue(ast) && compileFast(ast) !== undefined ? ast : null;
}

// The fields fast.ts and fast-path.ts read. JSONata builds some nodes on prototypes holding its
// parser's functions; a field it would find only there is lost in JSON, so such an AST is not kept.
const AST_FIELDS = [
  'type',
  'value',
  'steps',
  'stages',
  'expr',
  'lhs',
  'rhs',
  'condition',
  'then',
  'else',
  'expressions',
  'procedure',
  'arguments',
  'keepArray',
  'keepSingletonArray',
] as const;

function isJsonValue(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (typeof value !== 'object') return false;
  const node = value as Record<string, unknown>;
  if (AST_FIELDS.some((k) => node[k] !== undefined && !Object.hasOwn(node, k))) return false;
  return Object.values(node).every(isJsonValue);
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
