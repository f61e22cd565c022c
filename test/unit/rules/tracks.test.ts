import { describe, expect, it } from 'vitest';
import { oneTrack, paramsOf } from './helpers.ts';

const BASE = { idsite: '1', rec: '1', apiv: '1', cdt: '1714564800' };

describe('track types produce exactly Matomo parameters', () => {
  it('pageview: action_name, url, urlref from the common fields', async () => {
    const s = oneTrack(`pageview: { title: '{% t %}', url: '{% u %}', referrer: https://ref.example/ }`);
    const [p] = await paramsOf(s, { t: 'Pricing', u: 'https://www.example.com/pricing' });
    expect(p).toEqual({
      ...BASE,
      action_name: 'Pricing',
      url: 'https://www.example.com/pricing',
      urlref: 'https://ref.example/',
    });
  });

  it('event: e_c, e_a, e_n, numeric e_v and ca=1', async () => {
    const s = oneTrack(
      `event: { category: Billing, action: '{% a %}', name: '{% n %}', value: '{% v / 100 %}' }`,
    );
    const [p] = await paramsOf(s, { a: 'Paid', n: 'Pro plan', v: 1999 });
    expect(p).toEqual({ ...BASE, e_c: 'Billing', e_a: 'Paid', e_n: 'Pro plan', e_v: '19.99', ca: '1' });
  });

  it('goal: idgoal and revenue rounded to 2 decimals', async () => {
    const s = oneTrack(`goal: { id: 3, revenue: '{% amount %}' }`);
    expect(await paramsOf(s, { amount: 10.456 })).toEqual([{ ...BASE, idgoal: '3', revenue: '10.46' }]);
  });

  it('order: idgoal=0, ec_id, revenue, ec_st, ec_tx, ec_sh, ec_dt, ec_items', async () => {
    const s = oneTrack(`order:
          id: '{% id %}'
          revenue: '{% total %}'
          subtotal: 90
          tax: '{% tax %}'
          shipping: 5
          discount: 2.5
          items:
            - { sku: '{% sku %}', name: Hat, category: [Clothes, Hats], price: '{% price %}', quantity: 2 }
            - { sku: SOCK }`);
    const [p] = await paramsOf(s, { id: 'o_1', total: '99.999', tax: 4.5, sku: 'HAT-1', price: '45' });
    expect(p).toEqual({
      ...BASE,
      idgoal: '0',
      ec_id: 'o_1',
      revenue: '100',
      ec_st: '90',
      ec_tx: '4.5',
      ec_sh: '5',
      ec_dt: '2.5',
      ec_items: JSON.stringify([
        ['HAT-1', 'Hat', ['Clothes', 'Hats'], 45, 2],
        ['SOCK', '', '', 0, 1],
      ]),
    });
  });

  it('order: items from one expression; a single mapped item counts as a list of one', async () => {
    const s = oneTrack(
      `order: { id: o, revenue: 1, items: '{% lines.{"sku": p, "price": c / 100, "quantity": q} %}' }`,
    );
    const [one] = await paramsOf(s, { lines: [{ p: 'A', c: 250, q: 3 }] });
    expect(one?.ec_items).toBe('[["A","","",2.5,3]]');
    const [two] = await paramsOf(s, {
      lines: [
        { p: 'A', c: 100, q: 1 },
        { p: 'B', c: 200, q: 2 },
      ],
    });
    expect(two?.ec_items).toBe('[["A","","",1,1],["B","","",2,2]]');
  });

  it('order without items omits ec_items', async () => {
    const s = oneTrack(`order: { id: o, revenue: 1, items: '{% lines %}' }`);
    expect(await paramsOf(s, {})).toEqual([{ ...BASE, idgoal: '0', ec_id: 'o', revenue: '1' }]);
  });

  it('cart: idgoal=0, revenue, ec_items and no ec_id', async () => {
    const s = oneTrack(`cart: { revenue: '{% total %}', items: '{% items %}' }`);
    const [p] = await paramsOf(s, { total: 15, items: [{ sku: 'S', name: 'Sock', price: 15, quantity: 1 }] });
    expect(p).toEqual({ ...BASE, idgoal: '0', revenue: '15', ec_items: '[["S","Sock","",15,1]]' });
  });

  it('crash: ca=1 and cra, cra_st, cra_ct, cra_tp, cra_ru, cra_rl, cra_rc', async () => {
    const s = oneTrack(
      `crash: { message: '{% m %}', stack: '{% s %}', category: worker, type: TypeError, file: /app.js, line: '{% l %}', column: 7 }`,
    );
    const [p] = await paramsOf(s, { m: 'boom', s: 'at x', l: '41' });
    expect(p).toEqual({
      ...BASE,
      ca: '1',
      cra: 'boom',
      cra_st: 'at x',
      cra_ct: 'worker',
      cra_tp: 'TypeError',
      cra_ru: '/app.js',
      cra_rl: '41',
      cra_rc: '7',
    });
  });

  it('search: search, search_cat, search_count', async () => {
    const s = oneTrack(`search: { keyword: '{% q %}', category: Shoes, count: '{% n %}' }`);
    expect(await paramsOf(s, { q: 'trail', n: 0 })).toEqual([
      { ...BASE, search: 'trail', search_cat: 'Shoes', search_count: '0' },
    ]);
  });

  it('content: c_n, c_p, c_t, c_i', async () => {
    const s = oneTrack(
      `content: { name: Banner, piece: /img/a.png, target: https://x.example/, interaction: click }`,
    );
    expect(await paramsOf(s, {})).toEqual([
      { ...BASE, c_n: 'Banner', c_p: '/img/a.png', c_t: 'https://x.example/', c_i: 'click' },
    ]);
  });

  it('outlink: link, and url defaults to the link', async () => {
    const s = oneTrack(`outlink: { link: '{% href %}' }`);
    const href = 'https://partner.example/offer';
    expect(await paramsOf(s, { href })).toEqual([{ ...BASE, link: href, url: href }]);
  });

  it('download: download, and url defaults to the file unless url is set', async () => {
    const s = oneTrack(`download: { link: https://cdn.example/a.pdf, url: https://www.example.com/docs }`);
    expect(await paramsOf(s, {})).toEqual([
      { ...BASE, download: 'https://cdn.example/a.pdf', url: 'https://www.example.com/docs' },
    ]);
  });

  it('ping: ping=1 and never ca', async () => {
    const [p] = await paramsOf(oneTrack('ping: {}'), {});
    expect(p).toEqual({ ...BASE, ping: '1' });
  });

  it('common fields: uid, dimensionN and documented params on any type', async () => {
    const s = oneTrack(
      `event: { category: C, action: A, user: '{% user %}', dimensions: { 1: '{% plan %}', 12: gold }, params: { lang: de, new_visit: 1, cip: '{% ip %}' } }`,
    );
    const [p] = await paramsOf(s, { user: 'u_1', plan: 'pro', ip: '192.0.2.1' });
    expect(p).toMatchObject({
      uid: 'u_1',
      dimension1: 'pro',
      dimension12: 'gold',
      lang: 'de',
      new_visit: '1',
      cip: '192.0.2.1',
    });
  });

  it('optional fields whose expression yields nothing or null are omitted', async () => {
    const s = oneTrack(
      `event: { category: C, action: A, name: '{% n %}', value: '{% v %}', user: '{% u %}' }`,
    );
    expect(await paramsOf(s, { n: null })).toEqual([{ ...BASE, e_c: 'C', e_a: 'A', ca: '1' }]);
  });
});
