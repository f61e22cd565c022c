import { describe, expect, it } from 'vitest';
import { previewEvent, withExamples } from '../../../../src/local/debugger/playground.ts';
import { compileRuleSet } from '../../../../src/rules/index.ts';

const RULES = `source: shop # the shop
auth:
  api-key: { secrets: [SHOP_KEY] }
site: 1
visitor: { key: '{% who %}' }
rules:
  - name: bought
    when: '{% kind = "buy" %}'
    track: [{ event: { category: Shop, action: Bought, value: '{% amount %}' } }]
    examples:
      - given: examples/shop/one.json
        expect: [{ e_a: Bought }]
  - name: viewed
    track: [{ pageview: { url: '{% url %}' } }]`;

const ruleSet = compileRuleSet([{ path: 'shop.yaml', text: RULES }]);

describe('the playground', () => {
  it('maps an event as ingest would, or says why not', async () => {
    const answer = await previewEvent(
      ruleSet,
      { source: 'shop', text: '{"kind":"buy","who":"a","amount":3,"url":"https://x/"}' },
      Date.UTC(2024, 0, 1),
    );
    expect(answer.ok && answer.matched).toEqual(['bought', 'viewed']);
    expect(answer.ok && answer.requests.map((r) => r.params.e_v ?? r.params.url)).toEqual([
      '3',
      'https://x/',
    ]);
    const broken = await previewEvent(ruleSet, { source: 'shop', text: '{"kind":' });
    expect(broken.ok === false && broken.problem).toMatch(/^not JSON: /);
    // An unusable optional value is dropped with a warning, as ingest does; a required one refuses.
    const dropped = await previewEvent(
      ruleSet,
      { source: 'shop', text: '{"kind":"buy","who":"a","amount":"lots","url":"https://x/"}' },
      Date.UTC(2024, 0, 1),
    );
    expect(
      dropped.ok && dropped.requests.map((r) => [r.params.e_v, r.warnings?.map((w) => w.field)]),
    ).toEqual([
      [undefined, ['track[0].event.value']],
      [undefined, undefined],
    ]);
    const wrong = await previewEvent(ruleSet, { source: 'shop', text: '{"who":{"a":1},"url":"https://x/"}' });
    expect(wrong.ok === false && wrong.problem).toMatch(/visitor\.key/);
  });

  it('adds an example to a rule with examples and to one without, leaving the rest as written', () => {
    const expects = new Map([
      ['bought', [{ e_a: 'Bought' }]],
      ['viewed', [{ url: 'https://x/' }]],
    ]);
    const out = withExamples(RULES, 'examples/shop/two.json', expects) ?? '';
    expect(out.startsWith(RULES.slice(0, RULES.indexOf('    examples:')))).toBe(true);
    expect(out).toContain(
      '        expect: [{ e_a: Bought }]\n      - given: examples/shop/two.json\n        expect:\n          - e_a: Bought\n  - name: viewed',
    );
    expect(
      out.endsWith(
        "    track: [{ pageview: { url: '{% url %}' } }]\n    examples:\n      - given: examples/shop/two.json\n        expect:\n          - url: https://x/\n",
      ),
    ).toBe(true);
    const again = compileRuleSet([{ path: 'shop.yaml', text: out }]);
    expect(again.sources.get('shop')?.examples.map((e) => [e.rule, e.given])).toEqual([
      ['bought', 'examples/shop/one.json'],
      ['bought', 'examples/shop/two.json'],
      ['viewed', 'examples/shop/two.json'],
    ]);
  });
});
