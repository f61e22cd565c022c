import { describe, expect, it } from 'vitest';
import { RuleEvaluationError } from '../../../src/rules/index.ts';
import { CTX, compileOne, HEADER, oneTrack } from './helpers.ts';

const order = oneTrack(
  `order: { id: '{% id %}', revenue: '{% total %}', referrer: '{% referring_site %}', tax: '{% tax %}' }`,
);

describe('an invalid optional value', () => {
  it('is dropped with a warning that travels with the request, and the order still goes out', async () => {
    const result = await order.map({ id: 'o1', total: 30, referring_site: 'android-app://com.google' }, CTX);
    const [request] = result.requests;
    expect(request?.params).toMatchObject({ ec_id: 'o1', revenue: '30' });
    expect(request?.params.urlref).toBeUndefined();
    expect(request?.warnings).toEqual([
      { field: 'track[0].order.referrer', message: 'dropped: expected an absolute http(s) URL' },
    ]);
  });

  it('keeps every warning of the request, and none when nothing was dropped', async () => {
    const bad = await order.map({ id: 'o1', total: 30, referring_site: 'x', tax: 'n/a' }, CTX);
    expect(bad.requests[0]?.warnings?.map((w) => w.field)).toEqual([
      'track[0].order.tax',
      'track[0].order.referrer',
    ]);
    const good = await order.map({ id: 'o1', total: 30, referring_site: 'https://a.example/' }, CTX);
    expect(good.requests[0]).not.toHaveProperty('warnings');
  });

  it('does not name the dropped value: it may be personal data', async () => {
    const result = await order.map(
      { id: 'o1', total: 30, referring_site: 'android-app://secret.person' },
      CTX,
    );
    expect(result.requests[0]?.warnings).toHaveLength(1);
    expect(JSON.stringify(result.requests[0]?.warnings)).not.toContain('secret.person');
  });

  it.each([
    [
      'a non-numeric event value',
      `event: { category: C, action: A, value: '{% v %}' }`,
      'lots',
      'e_v',
      'track[0].event.value',
      'expected a number',
    ],
    [
      'a fractional search count',
      `search: { keyword: k, count: '{% v %}' }`,
      1.5,
      'search_count',
      'track[0].search.count',
      'expected an integer >= 0',
    ],
    [
      'a goal revenue that is no number',
      `goal: { id: 1, revenue: '{% v %}' }`,
      '12,50',
      'revenue',
      'track[0].goal.revenue',
      'expected a number',
    ],
    [
      'a relative page URL',
      `pageview: { url: '{% v %}' }`,
      '/pricing',
      'url',
      'track[0].pageview.url',
      'expected an absolute http(s) URL',
    ],
  ])('drops %s with a warning', async (_label, track, value, param, field, reason) => {
    const result = await oneTrack(track).map({ v: value }, CTX);
    expect(result.requests[0]?.params[param]).toBeUndefined();
    expect(result.requests[0]?.warnings).toEqual([{ field, message: `dropped: ${reason}` }]);
  });

  it('refuses an item list with a bad item: dropping it would empty the cart', async () => {
    const cart = oneTrack(`cart: { revenue: 1, items: '{% items %}' }`);
    const error = await cart.map({ items: [{ name: 'no sku' }] }, CTX).catch((e: unknown) => e);
    expect((error as RuleEvaluationError).field).toBe('track[0].cart.items');
  });

  it('refuses a user id it cannot use: dropping it would give the event to someone else', async () => {
    const page = oneTrack(`pageview: { user: '{% u %}' }`);
    const error = await page.map({ u: { id: 1 } }, CTX).catch((e: unknown) => e);
    expect((error as RuleEvaluationError).field).toBe('track[0].pageview.user');
  });

  it('still refuses a required value', async () => {
    const error = await order.map({ id: 'o1', total: 'thirty' }, CTX).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleEvaluationError);
    expect((error as RuleEvaluationError).field).toBe('track[0].order.revenue');
  });
});

describe('visitor.browserId', () => {
  const source = compileOne(`${HEADER}visitor: { key: '{% user %}', browserId: '{% cookie %}' }
rules:
  - name: r
    track:
      - pageview: {}
`);

  it('normalises a full _pk_id cookie value to its first 16 hex characters, saying so', async () => {
    const result = await source.map({ user: 'u1', cookie: '5f2c0e8a9b1d3c47.1715354400.' }, CTX);
    const [request] = result.requests;
    expect(request?.visitor).toEqual({ key: 'u1', browserId: '5f2c0e8a9b1d3c47' });
    expect(request?.warnings).toEqual([
      {
        field: 'visitor.browserId',
        message:
          'normalised: a full _pk_id cookie value, of which only the first 16 hex characters are the id',
      },
    ]);
  });

  it.each([
    ['Matomo 4', '5f2c0e8a9b1d3c47.1715354400.'],
    ['Matomo 3', '5f2c0e8a9b1d3c47.1715354400.3.1715354500.1715354400.'],
    ['without the last dot', '5f2c0e8a9b1d3c47.1715354400'],
  ])('reads the id out of a %s cookie value', async (_label, cookie) => {
    const result = await source.map({ user: 'u1', cookie }, CTX);
    expect(result.requests[0]?.visitor.browserId).toBe('5f2c0e8a9b1d3c47');
  });

  it('drops a value that is no visitor id, with a warning, and keeps the event', async () => {
    const result = await source.map({ user: 'u1', cookie: 'not-a-visitor-id' }, CTX);
    const [request] = result.requests;
    expect(request?.visitor).toEqual({ key: 'u1' });
    expect(request?.warnings).toEqual([
      {
        field: 'visitor.browserId',
        message: 'dropped: expected 16 hex characters (the first part of the _pk_id cookie)',
      },
    ]);
  });
});
