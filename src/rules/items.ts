import { ASYNC } from './async.ts';
import type { Coerce } from './coerce.ts';
import { toNumber } from './coerce.ts';
import { FieldError } from './errors.ts';
import { type Accessor, type CompileOptions, compileValue } from './expression.ts';

const ITEM_KEYS = ['sku', 'name', 'category', 'price', 'quantity'] as const;
const ITEM_KEY_SET: ReadonlySet<string> = new Set(ITEM_KEYS);

/**
 * Compiles a literal `items:` list into one accessor producing the list of item objects. Each
 * item field may itself be an expression; the list stays synchronous when all of them are.
 */
export function compileItemList(items: readonly unknown[], options: CompileOptions = {}): Accessor {
  const compiled = items.map((entry) => {
    const item = (entry ?? {}) as Record<string, unknown>;
    return ITEM_KEYS.flatMap((key) =>
      item[key] === undefined ? [] : [[key, compileItemField(item[key], options)] as const],
    );
  });
  const read = (input: unknown): unknown => {
    const out: Record<string, unknown>[] = [];
    for (const fields of compiled) {
      const item: Record<string, unknown> = {};
      for (const [key, accessor] of fields) {
        const value = accessor.read(input);
        if (value === ASYNC) return ASYNC;
        item[key] = value;
      }
      out.push(item);
    }
    return out;
  };
  const evaluate = async (input: unknown): Promise<unknown> =>
    Promise.all(
      compiled.map(async (fields) => {
        const item: Record<string, unknown> = {};
        for (const [key, accessor] of fields) item[key] = await accessor.evaluate(input);
        return item;
      }),
    );
  return { kind: 'list', source: 'items', read, evaluate };
}

function compileItemField(value: unknown, options: CompileOptions): Accessor {
  if (Array.isArray(value)) {
    // A literal category list: each entry may be an expression.
    return listOf(value.map((v) => compileValue(v, options)));
  }
  return compileValue(value, options);
}

function listOf(accessors: readonly Accessor[]): Accessor {
  return {
    kind: 'list',
    source: 'category',
    read: (input) => {
      const out: unknown[] = [];
      for (const a of accessors) {
        const v = a.read(input);
        if (v === ASYNC) return ASYNC;
        out.push(v);
      }
      return out;
    },
    evaluate: (input) => Promise.all(accessors.map((a) => a.evaluate(input))),
  };
}

/**
 * `ec_items` as Matomo reads it: JSON `[[sku, name, category, price, quantity], ...]`.
 * A single object counts as a list of one, because a JSONata path over one line item yields the
 * item itself rather than a list.
 */
export const ecItems: Coerce = (raw) => {
  const list = Array.isArray(raw) ? raw : [raw];
  return JSON.stringify(list.map((item, i) => itemRow(item, i)));
};

function itemRow(item: unknown, i: number): [string, string, string | string[], number, number] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new FieldError(`item ${i}: expected an object with sku, name, category, price, quantity`, item);
  }
  const fields = item as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!ITEM_KEY_SET.has(key)) {
      throw new FieldError(`item ${i}: unknown item field "${key}" (expected ${ITEM_KEYS.join(', ')})`, item);
    }
  }
  const sku = scalarText(fields.sku);
  if (sku === undefined || sku.trim() === '')
    throw new FieldError(`item ${i}: expected a non-empty sku`, item);
  const name = fields.name ?? '';
  const nameText = scalarText(name);
  if (nameText === undefined) throw new FieldError(`item ${i}: expected name to be a string`, item);
  return [
    sku,
    nameText,
    category(fields.category, i, item),
    itemNumber(fields.price, 0, 'price', i, item),
    quantity(fields.quantity, i, item),
  ];
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function category(value: unknown, i: number, item: unknown): string | string[] {
  if (value === undefined || value === null) return '';
  const single = scalarText(value);
  if (single !== undefined) return single;
  if (Array.isArray(value) && value.length >= 1 && value.length <= 5) {
    const texts = value.map(scalarText);
    if (texts.every((t): t is string => t !== undefined)) return texts;
  }
  throw new FieldError(`item ${i}: expected category to be a string or a list of up to 5 strings`, item);
}

function itemNumber(value: unknown, fallback: number, field: string, i: number, item: unknown): number {
  if (value === undefined || value === null) return fallback;
  try {
    return toNumber(value);
  } catch {
    throw new FieldError(`item ${i}: expected ${field} to be a number`, item);
  }
}

function quantity(value: unknown, i: number, item: unknown): number {
  const q = itemNumber(value, 1, 'quantity', i, item);
  if (!Number.isInteger(q) || q < 0)
    throw new FieldError(`item ${i}: expected quantity to be an integer >= 0`, item);
  return q;
}
