import { describe, expect, it } from 'vitest';
import { RuleEvaluationError } from '../../../src/rules/index.ts';
import { CTX, compileOne, HEADER, oneTrack } from './helpers.ts';

async function failure(track: string, event: unknown, extra = ''): Promise<RuleEvaluationError> {
  const error = await oneTrack(track, extra)
    .map(event, CTX)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof RuleEvaluationError))
    throw new Error(`expected a RuleEvaluationError, got ${String(error)}`);
  return error;
}

describe('values that break Matomo rules are errors naming rule, field and value', () => {
  it.each([
    [
      'a blank event category',
      `event: { category: '{% c %}', action: A }`,
      { c: '  ' },
      'track[0].event.category',
      '  ',
      'expected a non-empty string',
    ],
    [
      'a missing event action',
      `event: { category: C, action: '{% a %}' }`,
      {},
      'track[0].event.action',
      undefined,
      'is required',
    ],
    [
      'a non-numeric revenue',
      `order: { id: o, revenue: '{% r %}' }`,
      { r: '12,50' },
      'track[0].order.revenue',
      '12,50',
      'expected a number',
    ],
    [
      'an order without id',
      `order: { id: '{% id %}', revenue: 1 }`,
      { id: null },
      'track[0].order.id',
      null,
      'is required',
    ],
    [
      'a goal id of 0',
      `goal: { id: '{% g %}' }`,
      { g: 0 },
      'track[0].goal.id',
      0,
      'expected an integer >= 1',
    ],
    [
      'a relative outlink',
      `outlink: { link: '{% l %}' }`,
      { l: '/pricing' },
      'track[0].outlink.link',
      '/pricing',
      'expected an absolute http(s) URL',
    ],
    [
      'an object as text',
      `content: { name: '{% n %}' }`,
      { n: { a: 1 } },
      'track[0].content.name',
      { a: 1 },
      'expected a string',
    ],
  ])('rejects %s', async (_label, track, event, field, value, reason) => {
    const e = await failure(track, event);
    expect(e.rule).toBe('r');
    expect(e.source).toBe('app');
    expect(e.field).toBe(field);
    expect(e.value).toEqual(value);
    expect(e.reason).toBe(reason);
    expect(e.message).toContain(`rule "r" of source "app", ${field}: ${reason}`);
  });

  it('rejects an item without SKU, naming the item', async () => {
    const e = await failure(`cart: { revenue: 1, items: '{% items %}' }`, {
      items: [{ sku: 'A' }, { name: 'B' }],
    });
    expect(e.field).toBe('track[0].cart.items');
    expect(e.reason).toBe('item 1: expected a non-empty sku');
  });

  it('rejects item fields Matomo does not know and more than 5 categories', async () => {
    const extra = await failure(`cart: { revenue: 1, items: '{% items %}' }`, {
      items: [{ sku: 'A', colour: 'red' }],
    });
    expect(extra.reason).toMatch(/item 0: unknown item field "colour"/);
    const cats = await failure(`cart: { revenue: 1, items: '{% items %}' }`, {
      items: [{ sku: 'A', category: ['1', '2', '3', '4', '5', '6'] }],
    });
    expect(cats.reason).toBe('item 0: expected category to be a string or a list of up to 5 strings');
  });

  it('rejects an unparsable event time and a non-positive site', async () => {
    const time = await failure('ping: {}', { at: 'yesterday' }, `time: '{% at %}'\n`);
    expect(time.field).toBe('time');
    expect(time.value).toBe('yesterday');
    const site = compileOne(
      `source: s\nauth: { github: { secret: S } }\nsite: '{% site %}'\nrules:\n  - { name: r, track: [ping: {}] }\n`,
    );
    await expect(site.map({ site: -2 }, CTX)).rejects.toMatchObject({ field: 'site', value: -2 });
  });

  it('reports a JSONata run-time failure as the field that failed', async () => {
    const e = await failure(`event: { category: C, action: '{% $uppercase(a) %}' }`, { a: 5 });
    expect(e.field).toBe('track[0].event.action');
    expect(e.reason).toMatch(/^expression \{% \$uppercase\(a\) %\} failed: /);
  });

  it('keeps the cause and is a RuleError for instanceof checks', async () => {
    const e = await failure(`goal: { id: '{% g %}' }`, { g: 'x' });
    expect(e.name).toBe('RuleEvaluationError');
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('rejects a when condition that fails at run time', async () => {
    const s = compileOne(`${HEADER}rules:\n  - name: r\n    when: '{% a > 1 %}'\n    track: [ping: {}]\n`);
    await expect(s.map({ a: 'x' }, CTX)).rejects.toMatchObject({
      name: 'RuleEvaluationError',
      field: 'when',
    });
  });
});
