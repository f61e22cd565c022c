import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { ASYNC, compileValue, parsePlainPath } from '../../../src/rules/expression.ts';

describe('compileValue', () => {
  it('keeps anything that is not one whole {% %} block a literal', () => {
    for (const raw of ['Billing', 12, '{% a', 'a %}', true]) {
      const accessor = compileValue(raw);
      expect(accessor.kind).toBe('literal');
      expect(accessor.read({ a: 1 })).toBe(raw);
    }
  });

  it.each([
    ['{% data.object.id %}', { data: { object: { id: 'cs_1' } } }, 'cs_1'],
    ['{% items[0].sku %}', { items: [{ sku: 'A' }, { sku: 'B' }] }, 'A'],
    ['{%  `odd key`.x  %}', { 'odd key': { x: 2 } }, 2],
    ['{% data.missing.deeper %}', { data: {} }, undefined],
    ['{% tags %}', { tags: ['a', 'b'] }, ['a', 'b']],
  ])('compiles the plain path %s to a direct property read', (source, event, expected) => {
    const accessor = compileValue(source);
    expect(accessor.kind).toBe('path');
    expect(accessor.read(event)).toEqual(expected);
  });

  it('compiles the common JSONata subset to closures and the rest to JSONata', () => {
    expect(compileValue('{% type = "paid" and amount > 0 %}').kind).toBe('compiled');
    expect(compileValue('{% lines.{"sku": p, "price": c / 100}[] %}').kind).toBe('compiled');
    expect(compileValue('{% $substringBefore(a, ".") %}').kind).toBe('compiled');
    expect(compileValue('{% a[name = "x"].value %}').kind).toBe('compiled');
    expect(compileValue('{% $sum(a.b) %}').kind).toBe('jsonata');
    expect(compileValue('{% a[0][1] %}').kind).toBe('jsonata');
    expect(compileValue('{% a.b{c: d} %}').kind).toBe('jsonata');
  });

  it('goes to JSONata when a path meets a list on the way, where sequence semantics apply', async () => {
    const accessor = compileValue('{% orders.id %}');
    const event = { orders: [{ id: 1 }, { id: 2 }] };
    expect(accessor.read(event)).toBe(ASYNC);
    expect(normalise(await accessor.evaluate(event))).toEqual([1, 2]);
  });

  it('does not treat JSONata keywords or two indexes as plain paths', () => {
    expect(parsePlainPath('true')).toBeUndefined();
    expect(parsePlainPath('a[0][1]')).toBeUndefined();
    expect(parsePlainPath('$x')).toBeUndefined();
    expect(parsePlainPath('a . b[2]')).toEqual(['a', 'b', 2]);
  });

  it('reads only own properties, never the prototype', () => {
    expect(compileValue('{% constructor %}').read({})).toBeUndefined();
  });

  it('throws a syntax error with the position inside the expression', () => {
    expect(() => compileValue('{% a = %}')).toThrow(
      expect.objectContaining({ name: 'ExpressionSyntaxError' }),
    );
  });
});

/** Expressions covering the compiled subset; each result must equal JSONata's. */
const EXPRESSIONS = [
  'a',
  'a.b',
  'a.b.c',
  'a[0]',
  'a[1].b',
  'a = "x"',
  'a != 1',
  'a = b',
  'a < b',
  'a >= 2',
  'a and b',
  'a or b.c',
  'a + 1',
  'a / 100',
  'a * b - 3',
  'a % 2',
  'a & "-" & b',
  'a ? b : c',
  'a ? "yes"',
  '$string(a)',
  '$number(a)',
  '$exists(a.b)',
  '(a)',
  'a.(b ? b : c)',
  'a.{"x": b, "y": c}',
  'a.{"x": b}[]',
  'a.{"x": b * 2, "n": $string(c)}',
  'a[b = "x"].c',
  'a[b].c.a',
  'a[b > 1]',
  '$substringBefore(a, ".")',
  '$substringAfter(a.b, "1")',
  '$lowercase(a) & $uppercase(b)',
];

const scalar = fc.oneof(
  fc.constantFrom('x', '', '12', '1.5', 'abc', ' ', '0'),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('node'), { maxKeys: 3 }),
  ),
})).node;
const doc = fc.dictionary(fc.constantFrom('a', 'b', 'c'), value, { maxKeys: 3 });

describe('the compiled subset agrees with JSONata', () => {
  it.each(EXPRESSIONS)('%s', async (expression) => {
    const accessor = compileValue(`{% ${expression} %}`);
    expect(accessor.kind).not.toBe('jsonata');
    const reference = jsonata(expression);
    await fc.assert(
      fc.asyncProperty(doc, async (input) => {
        const fast = accessor.read(input);
        let expected: unknown;
        try {
          expected = await reference.evaluate(input);
        } catch {
          // Where JSONata raises an error, the fast path must have deferred to it.
          expect(fast).toBe(ASYNC);
          return;
        }
        if (fast !== ASYNC) expect(normalise(fast)).toEqual(normalise(expected));
      }),
      { numRuns: 150 },
    );
  });
});

function normalise(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}
