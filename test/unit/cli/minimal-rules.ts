/** A valid api-key source with one event rule, for tests that break one thing at a time. */
export const MINIMAL_RULES = `source: shop
auth:
  api-key: { secrets: [SHOP_API_KEY] }
site: 3
time: '{% ts %}'
rules:
  - name: purchase
    when: '{% type = "purchase" %}'
    track:
      - event: { category: Shop, action: '{% action %}', value: '{% total %}' }
    examples:
      - given: examples/purchase.json
        expect:
          - { e_c: Shop, e_a: Bought, e_v: '12.5', idsite: '3' }
`;

/** The event MINIMAL_RULES' example points at. */
export const PURCHASE_EVENT = JSON.stringify({
  id: 'p-1',
  type: 'purchase',
  action: 'Bought',
  total: 12.5,
  ts: 1726128930,
});
