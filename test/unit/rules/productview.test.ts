import { describe, expect, it } from 'vitest';
import { RuleEvaluationError } from '../../../src/rules/index.ts';
import { CTX, HEADER, oneTrack, paramsOf, problemsOf } from './helpers.ts';

const BASE = { idsite: '1', rec: '1', apiv: '1', cdt: '1714564800' };

describe('productview: a page view carrying the product, as matomo.js setEcommerceView sends it', () => {
  it('sends _pks, _pkn, _pkc and _pkp (money) with the page view fields', async () => {
    const s = oneTrack(
      `productview: { sku: '{% sku %}', name: '{% name %}', category: '{% cat %}', price: '{% price %}', title: '{% name %}', url: 'https://shop.example/p/1' }`,
    );
    const [p] = await paramsOf(s, { sku: 'SKU-1', name: 'Hat', cat: 'Hats', price: '19.999' });
    expect(p).toEqual({
      ...BASE,
      _pks: 'SKU-1',
      _pkn: 'Hat',
      _pkc: 'Hats',
      _pkp: '20',
      action_name: 'Hat',
      url: 'https://shop.example/p/1',
    });
  });

  it('sends a list of categories as the JSON array Matomo reads', async () => {
    const s = oneTrack(`productview: { sku: S, category: '{% cats %}' }`);
    const [p] = await paramsOf(s, { cats: ['Clothes', 'Hats'] });
    expect(p?._pkc).toBe('["Clothes","Hats"]');
    expect(p).not.toHaveProperty('_pkn');
  });

  it('refuses an event without a sku; drops more than five categories with a warning', async () => {
    const missing = oneTrack(`productview: { sku: '{% sku %}' }`).map({}, CTX);
    await expect(missing).rejects.toBeInstanceOf(RuleEvaluationError);
    const six = await oneTrack(`productview: { sku: S, category: '{% cats %}' }`).map(
      { cats: [1, 2, 3, 4, 5, 6] },
      CTX,
    );
    expect(six.requests[0]?.params).not.toHaveProperty('_pkc');
    expect(JSON.stringify(six)).toContain('dropped: expected 1 to 5 categories');
  });

  it('keeps _pk* parameters out of params, pointing at productview', () => {
    const problems = problemsOf(
      `${HEADER}rules:\n  - name: r\n    track: [pageview: { params: { _pkn: Hat } }]\n`,
    );
    expect(problems.join('\n')).toContain('use the productview track type');
  });
});
