import { ASYNC } from './async.ts';
import { type FastFn, type Node, toBoolean } from './fast.ts';

/** A step of a plain path: a property name or an array index. */
export type Segment = string | number;

/**
 * Reads a path directly. Gives up (ASYNC) wherever JSONata's sequence semantics could differ
 * from a plain read: an array met on the way, or an index into a non-array. A list at the end
 * is returned as it is, as JSONata does.
 */
export function readPath(input: unknown, segments: readonly Segment[]): unknown {
  let current = input;
  for (let i = 0; i < segments.length; i += 1) {
    const seg = segments[i] as Segment;
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
  return current;
}

const isPlainObject = (v: unknown): v is object => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Name steps (each with at most one literal index), optionally ending in `.{...}` or `.(...)`. */
export function compilePath(node: Node, compile: (n: Node) => FastFn | undefined): FastFn | undefined {
  // group-by (`a{...}`), sorting, focus and index bindings change the semantics: JSONata only.
  if (!hasOnly(node, PATH_KEYS)) return undefined;
  const steps = node.steps ?? [];
  const filtered = steps.findIndex(
    (s) => s.stages?.[0]?.expr !== undefined && s.stages[0].expr.type !== 'number',
  );
  if (filtered >= 0)
    return node.keepSingletonArray ? undefined : compileFilteredPath(steps, filtered, compile);
  const segments: Segment[] = [];
  let last: Node | undefined;
  for (const [i, step] of steps.entries()) {
    if (step.type !== 'name') {
      if (i !== steps.length - 1 || i === 0) return undefined;
      if (!hasOnly(step, TAIL_KEYS)) return undefined;
      last = step;
      break;
    }
    if (!nameStep(step, segments)) return undefined;
  }
  if (!last) return node.keepSingletonArray ? undefined : (ctx) => readPath(ctx, segments);
  const tail =
    last.type === 'unary' && last.value === '{' ? compileConstructor(last, compile) : blockOf(last, compile);
  if (!tail || (node.keepSingletonArray && !last.keepArray)) return undefined;
  const keepArray = last.keepArray === true;
  const mapsLists = last.type === 'unary';
  return (ctx) => {
    const base = readPath(ctx, segments);
    if (base === ASYNC) return ASYNC;
    if (base === undefined) return undefined;
    if (!Array.isArray(base)) {
      if (!isPlainObject(base)) return ASYNC;
      const one = tail(base);
      return keepArray && one !== ASYNC && one !== undefined ? [one] : one;
    }
    if (!mapsLists) return ASYNC;
    const out: unknown[] = [];
    for (const item of base) {
      if (!isPlainObject(item)) return ASYNC;
      const mapped = tail(item);
      if (mapped === ASYNC) return ASYNC;
      out.push(mapped);
    }
    if (out.length === 0) return undefined;
    return out.length === 1 && !keepArray ? out[0] : out;
  };
}

const PATH_KEYS = new Set(['type', 'steps', 'keepSingletonArray', 'position', 'value']);
const STEP_KEYS = new Set(['type', 'value', 'position', 'stages']);
const TAIL_KEYS = new Set(['type', 'value', 'position', 'lhs', 'expressions', 'keepArray']);

function hasOnly(node: Node, keys: ReadonlySet<string>): boolean {
  return Object.keys(node).every((k) => keys.has(k));
}

function nameStep(step: Node, segments: Segment[]): boolean {
  if (!hasOnly(step, STEP_KEYS)) return false;
  segments.push(String(step.value));
  const stages = step.stages ?? [];
  if (stages.length === 0) return true;
  const index = stages[0]?.expr;
  if (stages.length > 1 || stages[0]?.type !== 'filter' || index?.type !== 'number') return false;
  if (typeof index.value !== 'number' || !Number.isInteger(index.value) || index.value < 0) return false;
  segments.push(index.value);
  return true;
}

function blockOf(node: Node, compile: (n: Node) => FastFn | undefined): FastFn | undefined {
  return node.type === 'block' ? compile(node) : undefined;
}

function compileConstructor(node: Node, compile: (n: Node) => FastFn | undefined): FastFn | undefined {
  const pairs = node.lhs;
  if (!Array.isArray(pairs)) return undefined;
  const keys: string[] = [];
  const fns: FastFn[] = [];
  for (const pair of pairs) {
    const [key, value] = pair;
    if (key?.type !== 'string' || !value) return undefined;
    const fn = compile(value);
    if (!fn) return undefined;
    keys.push(String(key.value));
    fns.push(fn);
  }
  return (ctx) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i += 1) {
      const v = (fns[i] as FastFn)(ctx);
      if (v === ASYNC) return ASYNC;
      if (v !== undefined) out[keys[i] as string] = v;
    }
    return out;
  };
}

/**
 * `list[predicate].name...`: one name step filtered by a condition, then plain names, e.g.
 * `note_attributes[name = "_pk_id"].value`. JSONata's sequence rules for this shape: filter each
 * item, collect the names' values, and a single result is the value itself.
 */
function compileFilteredPath(
  steps: readonly Node[],
  at: number,
  compile: (n: Node) => FastFn | undefined,
): FastFn | undefined {
  const before: Segment[] = [];
  const after: Segment[] = [];
  for (const [i, step] of steps.entries()) {
    if (step.type !== 'name' || (i !== at && step.stages !== undefined)) return undefined;
    if (i < at && !nameStep(step, before)) return undefined;
    if (i > at && !nameStep(step, after)) return undefined;
  }
  const step = steps[at];
  const predicateNode = step?.stages?.[0];
  if (!step || !hasOnly(step, STEP_KEYS) || step.stages?.length !== 1) return undefined;
  if (predicateNode?.type !== 'filter' || !predicateNode.expr) return undefined;
  const predicate = compile(predicateNode.expr);
  if (!predicate || !nameStep({ type: 'name', value: step.value }, before)) return undefined;
  return (ctx) => {
    const base = readPath(ctx, before);
    if (base === ASYNC) return ASYNC;
    const list = Array.isArray(base) ? base : base === undefined ? [] : [base];
    const out: unknown[] = [];
    for (const item of list) {
      if (!isPlainObject(item)) return ASYNC;
      const keep = predicate(item);
      if (keep === ASYNC || typeof keep === 'number' || Array.isArray(keep)) return ASYNC;
      if (!toBoolean(keep)) continue;
      const value = readPath(item, after);
      if (value === ASYNC || Array.isArray(value)) return ASYNC;
      if (value !== undefined) out.push(value);
    }
    return out.length === 0 ? undefined : out.length === 1 ? out[0] : out;
  };
}
