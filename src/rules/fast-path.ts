import { ASYNC } from './async.ts';
import type { FastFn, Node } from './fast.ts';

/** A step of a plain path: a property name or an array index. */
export type Segment = string | number;

/**
 * Reads a path directly. Gives up (ASYNC) wherever JSONata's sequence semantics could differ
 * from a plain read: an array met on the way, or an index into a non-array. A list at the end
 * is returned as it is, as JSONata does.
 */
export function readPath(input: unknown, segments: readonly Segment[]): unknown {
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
  return current;
}

const isPlainObject = (v: unknown): v is object => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Name steps (each with at most one literal index), optionally ending in `.{...}` or `.(...)`. */
export function compilePath(node: Node, compile: (n: Node) => FastFn | undefined): FastFn | undefined {
  const steps = node.steps ?? [];
  const segments: Segment[] = [];
  let last: Node | undefined;
  for (const [i, step] of steps.entries()) {
    if (step.type !== 'name') {
      if (i !== steps.length - 1 || i === 0) return undefined;
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

function nameStep(step: Node, segments: Segment[]): boolean {
  const known = new Set(['type', 'value', 'position', 'stages']);
  if (Object.keys(step).some((k) => !known.has(k))) return false;
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
  const fields: [string, FastFn][] = [];
  for (const pair of pairs) {
    const [key, value] = pair;
    if (key?.type !== 'string' || !value) return undefined;
    const fn = compile(value);
    if (!fn) return undefined;
    fields.push([String(key.value), fn]);
  }
  return (ctx) => {
    const out: Record<string, unknown> = {};
    for (const [key, fn] of fields) {
      const v = fn(ctx);
      if (v === ASYNC) return ASYNC;
      if (v !== undefined) out[key] = v;
    }
    return out;
  };
}
