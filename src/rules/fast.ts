import { ASYNC } from './async.ts';
import { stripeAmount } from './currency.ts';
import { compilePath } from './fast-path.ts';

/** A compiled JSONata subset: the value, or {@link ASYNC} when JSONata itself must decide. */
export type FastFn = (context: unknown) => unknown;

/** The parts of JSONata's AST this compiler reads (jsonata's own typing is incomplete). */
export interface Node {
  readonly type?: string;
  readonly value?: unknown;
  readonly steps?: Node[];
  readonly stages?: Node[];
  readonly expr?: Node;
  readonly lhs?: Node | Node[][];
  readonly rhs?: Node;
  readonly condition?: Node;
  readonly then?: Node;
  readonly else?: Node;
  readonly expressions?: Node[];
  readonly procedure?: Node;
  readonly arguments?: Node[];
  readonly keepArray?: boolean;
  readonly keepSingletonArray?: boolean;
}

/**
 * Compiles the JSONata subset rules mostly use (paths, literals, comparisons, `and`/`or`,
 * arithmetic, `&`, `?:`, `$string`, `$number`, `$exists`, object constructors mapped over a list)
 * into plain closures. Returns undefined for anything else. Wherever JSONata's semantics could
 * differ (arrays in a path, mixed types, errors) the closure returns ASYNC and the caller
 * evaluates the expression with JSONata, so results are always JSONata's.
 */
export function compileFast(node: Node): FastFn | undefined {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      const value: unknown = node.value;
      return () => value;
    }
    case 'path':
      return compilePath(node, compileFast);
    case 'block':
      return node.expressions?.length === 1 && node.expressions[0]
        ? compileFast(node.expressions[0])
        : undefined;
    case 'condition':
      return compileCondition(node);
    case 'binary':
      return compileBinary(node);
    case 'function':
      return compileCall(node);
    default:
      return undefined;
  }
}

function compileCondition(node: Node): FastFn | undefined {
  const test = node.condition && compileFast(node.condition);
  const then = node.then && compileFast(node.then);
  const otherwise = node.else ? compileFast(node.else) : () => undefined;
  if (!test || !then || !otherwise) return undefined;
  return (ctx) => {
    const t = test(ctx);
    if (t === ASYNC) return ASYNC;
    return toBoolean(t) ? then(ctx) : otherwise(ctx);
  };
}

function compileBinary(node: Node): FastFn | undefined {
  const lhsNode = node.lhs;
  if (!lhsNode || Array.isArray(lhsNode) || !node.rhs) return undefined;
  const lhs = compileFast(lhsNode);
  const rhs = compileFast(node.rhs);
  if (!lhs || !rhs) return undefined;
  const op = String(node.value);
  if (op === 'and' || op === 'or') {
    const isAnd = op === 'and';
    return (ctx) => {
      const l = lhs(ctx);
      if (l === ASYNC) return ASYNC;
      if (toBoolean(l) !== isAnd) return !isAnd;
      const r = rhs(ctx);
      return r === ASYNC ? ASYNC : toBoolean(r);
    };
  }
  const apply = OPERATORS[op];
  if (!apply) return undefined;
  return (ctx) => {
    const l = lhs(ctx);
    if (l === ASYNC) return ASYNC;
    const r = rhs(ctx);
    return r === ASYNC ? ASYNC : apply(l, r);
  };
}

const isScalar = (v: unknown): boolean =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function compare(test: (l: number | string, r: number | string) => boolean) {
  return (l: unknown, r: unknown): unknown => {
    if (
      (l !== undefined && typeof l !== 'number' && typeof l !== 'string') ||
      (r !== undefined && typeof r !== 'number' && typeof r !== 'string')
    )
      return ASYNC;
    if (l === undefined || r === undefined) return undefined;
    if (
      (typeof l === 'number' && typeof r === 'number') ||
      (typeof l === 'string' && typeof r === 'string')
    ) {
      return test(l, r);
    }
    return ASYNC; // JSONata raises a type error here; let it.
  };
}

function arithmetic(fn: (l: number, r: number) => number) {
  return (l: unknown, r: unknown): unknown => {
    // JSONata checks types before undefined: "a" - undefined is a type error, not undefined.
    if ((l !== undefined && typeof l !== 'number') || (r !== undefined && typeof r !== 'number'))
      return ASYNC;
    if (l === undefined || r === undefined) return undefined;
    const out = fn(l, r);
    return Number.isFinite(out) ? out : ASYNC;
  };
}

const OPERATORS: Readonly<Record<string, (l: unknown, r: unknown) => unknown>> = {
  '=': (l, r) => (l === undefined || r === undefined ? false : isScalar(l) && isScalar(r) ? l === r : ASYNC),
  '!=': (l, r) => (l === undefined || r === undefined ? false : isScalar(l) && isScalar(r) ? l !== r : ASYNC),
  '<': compare((l, r) => l < r),
  '<=': compare((l, r) => l <= r),
  '>': compare((l, r) => l > r),
  '>=': compare((l, r) => l >= r),
  '+': arithmetic((l, r) => l + r),
  '-': arithmetic((l, r) => l - r),
  '*': arithmetic((l, r) => l * r),
  '/': arithmetic((l, r) => l / r),
  '%': arithmetic((l, r) => l % r),
  '&': (l, r) => {
    const a = l === undefined ? '' : toText(l);
    const b = r === undefined ? '' : toText(r);
    return a === ASYNC || b === ASYNC ? ASYNC : `${String(a)}${String(b)}`;
  },
};

const NUMBER_TEXT = /^-?(0|([1-9][0-9]*))(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/;

const FUNCTIONS: Readonly<Record<string, (...args: unknown[]) => unknown>> = {
  string: (v) => (v === undefined ? undefined : toText(v)),
  exists: (v) => v !== undefined,
  number: (v) => {
    if (v === undefined) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'string' && NUMBER_TEXT.test(v)) {
      const n = Number(v);
      return Number.isFinite(n) ? n : ASYNC;
    }
    return ASYNC;
  },
  lowercase: (v) => (v === undefined ? undefined : typeof v === 'string' ? v.toLowerCase() : ASYNC),
  uppercase: (v) => (v === undefined ? undefined : typeof v === 'string' ? v.toUpperCase() : ASYNC),
  substringBefore: (v, chars) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || typeof chars !== 'string') return ASYNC;
    const at = v.indexOf(chars);
    return at > -1 ? v.slice(0, at) : v;
  },
  substringAfter: (v, chars) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || typeof chars !== 'string') return ASYNC;
    const at = v.indexOf(chars);
    return at > -1 ? v.slice(at + chars.length) : v;
  },
  // Anything it would refuse goes to JSONata, which raises the helper's error for the field.
  stripeAmount: (amount, currency) =>
    amount === undefined ||
    amount === null ||
    (typeof amount === 'number' &&
      Number.isFinite(amount) &&
      typeof currency === 'string' &&
      currency.trim() !== '')
      ? stripeAmount(amount, currency)
      : ASYNC,
};

/** Arity of each supported function; other arities go to JSONata. */
const ARITY: Readonly<Record<string, number>> = {
  string: 1,
  exists: 1,
  number: 1,
  lowercase: 1,
  uppercase: 1,
  substringBefore: 2,
  substringAfter: 2,
  stripeAmount: 2,
};

function compileCall(node: Node): FastFn | undefined {
  const name = node.procedure?.type === 'variable' ? String(node.procedure.value) : '';
  const fn = FUNCTIONS[name];
  const args = (node.arguments ?? []).map(compileFast);
  if (!fn || args.length !== ARITY[name]) return undefined;
  const compiled: FastFn[] = [];
  for (const arg of args) {
    if (!arg) return undefined;
    compiled.push(arg);
  }
  const [first, second] = compiled;
  if (first === undefined) return undefined;
  // One closure per arity: no argument array or spread per call.
  if (second === undefined) {
    return (ctx) => {
      const v = first(ctx);
      return v === ASYNC ? ASYNC : fn(v);
    };
  }
  return (ctx) => {
    const a = first(ctx);
    if (a === ASYNC) return ASYNC;
    const b = second(ctx);
    return b === ASYNC ? ASYNC : fn(a, b);
  };
}

/** JSONata's `$string` for the values whose rendering is unambiguous. */
function toText(v: unknown): unknown {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return ASYNC;
}

/** JSONata's `$boolean` for scalars and objects (arrays never reach here). */
export function toBoolean(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  if (Array.isArray(v)) return v.some(toBoolean);
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return false;
}
