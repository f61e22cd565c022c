import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { STRIPE_DECIMALS, stripeAmount } from '../../../src/rules/currency.ts';
import { compileRuleSet, loadRuleSet, RuleEvaluationError } from '../../../src/rules/index.ts';
import { HEADER } from './helpers.ts';

/** Received after every example's event time, which ingest refuses to see in the future. */
const CTX = { eventId: 'evt_1', receivedAt: Date.UTC(2030, 0, 1) };

const RULE = `${HEADER}rules:
  - name: paid
    track:
      - goal: { id: 1, revenue: '{% $stripeAmount(amount, currency) %}' }
`;

/** The same rule compiled with the fast paths and with plain JSONata, which must agree. */
function bothWays() {
  return [true, false].map((optimize) => {
    const source = compileRuleSet([{ path: 'rules/app.yaml', text: RULE }], { optimize }).sources.get('app');
    if (!source) throw new Error('no source');
    return source;
  });
}

async function revenues(event: unknown): Promise<unknown[]> {
  return Promise.all(
    bothWays().map(async (s) =>
      s.map(event, CTX).then(
        (r) => r.requests[0]?.params.revenue,
        (e: unknown) => (e instanceof RuleEvaluationError ? `error: ${e.message}` : e),
      ),
    ),
  );
}

describe('$stripeAmount', () => {
  it('divides by 100, 1 or 1000 as Stripe documents the currency, in either letter case', async () => {
    expect(await revenues({ amount: 5390, currency: 'eur' })).toEqual(['53.9', '53.9']);
    expect(await revenues({ amount: 5000, currency: 'jpy' })).toEqual(['5000', '5000']);
    expect(await revenues({ amount: 125000, currency: 'KRW' })).toEqual(['125000', '125000']);
    expect(await revenues({ amount: 5120, currency: 'kwd' })).toEqual(['5.12', '5.12']);
    // Stripe charges three-decimal currencies in steps of ten (5.120, 12.340).
    expect(await revenues({ amount: 12340, currency: 'bhd' })).toEqual(['12.34', '12.34']);
    // Stripe keeps ISK two-decimal in its API (100 is 1 króna).
    expect(await revenues({ amount: 50000, currency: 'isk' })).toEqual(['500', '500']);
  });

  it('covers every zero- and three-decimal currency of Stripe’s list', () => {
    const zero = 'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'.split(' ');
    const three = 'BHD JOD KWD OMR TND'.split(' ');
    for (const code of zero) expect(stripeAmount(700, code)).toBe(700);
    for (const code of three) expect(stripeAmount(7000, code)).toBe(7);
    expect(Object.keys(STRIPE_DECIMALS)).toHaveLength(zero.length + three.length);
    expect(stripeAmount(700, 'usd')).toBe(7);
    expect(stripeAmount(700, 'constructor')).toBe(7);
  });

  it('keeps an absent amount absent and refuses to guess without a currency', async () => {
    expect(stripeAmount(undefined, 'eur')).toBeUndefined();
    expect(stripeAmount(null, 'eur')).toBeUndefined();
    expect(await revenues({ amount: null, currency: 'eur' })).toEqual([undefined, undefined]);
    const [fast, naive] = await revenues({ amount: 5000 });
    expect(fast).toBe(naive);
    expect(fast).toContain('$stripeAmount: no currency for the amount 5000, so its decimals are unknown');
    const [text] = await revenues({ amount: '50.00', currency: 'eur' });
    expect(text).toContain('$stripeAmount: the amount "50.00" is not a number');
  });
});

describe('the shipped Stripe and Shopify rules', () => {
  async function mapExample(source: string, file: string) {
    const set = await loadRuleSet('rules');
    const event: unknown = JSON.parse(await readFile(`rules/examples/${source}/${file}`, 'utf8'));
    return (await set.sources.get(source)?.map(event, CTX))?.requests.map((r) => r.params) ?? [];
  }

  it('records a yen checkout in yen and a dinar invoice in dinars, not a hundredth of them', async () => {
    const [order, event] = await mapExample('stripe', 'checkout-session-completed-jpy.json');
    expect(order).toMatchObject({ revenue: '10280', ec_st: '9800', ec_sh: '980', ec_dt: '500' });
    expect(JSON.parse(order?.ec_items ?? '[]')).toEqual([
      ['prod_QRk3Yt7HsW2vLm', 'Trail running shoes', '', 3300, 2],
      ['prod_QRk5Bn1XcD8fGh', 'Merino running socks', '', 3200, 1],
    ]);
    expect(event).toMatchObject({ e_v: '10280' });
    const [goal] = await mapExample('stripe', 'invoice-paid-kwd.json');
    expect(goal).toMatchObject({ idgoal: '1', revenue: '5.12' });
  });

  it('never sends the SKU "null": product id, then line item id, when a line item has no SKU or variant', async () => {
    const [order] = await mapExample('shopify', 'orders-create-custom-items.json');
    const skus = (JSON.parse(order?.ec_items ?? '[]') as unknown[][]).map((item) => item[0]);
    expect(skus).toEqual(['8123461058745', '14562871967929']);
  });
});
