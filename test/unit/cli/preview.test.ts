import { describe, expect, it } from 'vitest';
import { previewCommand } from '../../../src/cli/preview.ts';
import { CHECKOUT_LINE_ITEMS_REQUESTS } from '../../support/checkout-requests.ts';
import { tempDirMaker } from '../../support/temp-dir.ts';
import { bufferIo } from './buffer-io.ts';
import { MINIMAL_RULES, PURCHASE_EVENT } from './minimal-rules.ts';

const STRIPE = 'rules/examples/stripe';
const RECEIVED_AT = Date.UTC(2024, 8, 12, 9, 0, 0);
const json = { rules: 'rules', json: true, receivedAt: RECEIVED_AT };
const human = { ...json, json: false };

const dirWith = tempDirMaker('taglane-cli-');

describe('taglane preview --json', () => {
  it('prints a Stripe checkout with expanded line items as the order Matomo expects, then the event', async () => {
    const io = bufferIo();
    const code = await previewCommand(
      'stripe',
      `${STRIPE}/checkout-session-completed-line-items.json`,
      json,
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual(CHECKOUT_LINE_ITEMS_REQUESTS);
    expect(io.stderr()).toBe('');
  });

  it('prints every value as a string, as Matomo receives it, and never cid or token_auth', async () => {
    const io = bufferIo();
    expect(await previewCommand('shopify', 'rules/examples/shopify/orders-create.json', json, io)).toBe(0);
    const requests = JSON.parse(io.stdout()) as Record<string, unknown>[];
    expect(requests).toHaveLength(1);
    for (const params of requests) {
      expect(Object.values(params).every((v) => typeof v === 'string')).toBe(true);
      expect(params).not.toHaveProperty('cid');
      expect(params).not.toHaveProperty('token_auth');
    }
    expect(JSON.parse(String(requests[0]?.ec_items))).toEqual([
      ['TOTE-NAT', 'Canvas Tote - Natural', 'Bags', 32, 2],
      ['44510398808249', 'Enamel Mug - Forest', 'Kitchen', 50, 1],
    ]);
  });

  it('prints an empty array for an event no rule matches', async () => {
    const io = bufferIo();
    expect(await previewCommand('stripe', `${STRIPE}/customer-created.json`, json, io)).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual([]);
  });

  it('uses the time received as cdt when the source has no time', async () => {
    const io = bufferIo();
    expect(await previewCommand('github', 'rules/examples/github/star-created.json', json, io)).toBe(0);
    const [star] = JSON.parse(io.stdout()) as Record<string, string>[];
    expect(star?.cdt).toBe(String(RECEIVED_AT / 1000));
  });
});

describe('taglane preview', () => {
  it('names the matched rules and lists each request with its visitor', async () => {
    const io = bufferIo();
    expect(await previewCommand('stripe', `${STRIPE}/checkout-session-completed.json`, human, io)).toBe(0);
    const text = io.stdout();
    expect(text).toContain('stripe event evt_1PmX2bLkdIwHu7ix0c9rA3Qe: matched "checkout completed"');
    expect(text).toContain('2 Matomo requests:');
    expect(text).toContain('#0 rule "checkout completed" -> default, visitor cus_QdF7sL2mXk9aPb');
    expect(text).toMatch(/^ {2}ec_id +cs_test_a1Lq0sXHn3C2bYk9PZ8dQwR4tU6vWxYz$/m);
    expect(text).toMatch(/^ {2}e_a +Checkout completed$/m);
  });

  it('shows the browser visitor id a request links to', async () => {
    const io = bufferIo();
    expect(await previewCommand('shopify', 'rules/examples/shopify/orders-create.json', human, io)).toBe(0);
    expect(io.stdout()).toContain('visitor shopify:7012845117625, browser 5f2c0e8a9b1d3c47');
  });

  it('says an unmatched event would be ignored', async () => {
    const io = bufferIo();
    expect(await previewCommand('app', 'rules/examples/app/newsletter-opened.json', human, io)).toBe(0);
    expect(io.stdout()).toBe(
      'app event evt_01J7Z3W6F0G2H4J6K8L0M2N4P6: no rule matched; the event would be acknowledged and ignored\n',
    );
  });

  it('fails with the known sources for an unknown source', async () => {
    const io = bufferIo();
    expect(await previewCommand('paypal', `${STRIPE}/invoice-paid.json`, json, io)).toBe(1);
    expect(io.stderr()).toBe(
      'error: unknown source "paypal" in rules (sources: app, github, lemonsqueezy, paddle, segment, shopify, slack, stripe)\n',
    );
    expect(io.stdout()).toBe('');
  });

  it('fails naming rule, field and value when a rule breaks Matomo rules', async () => {
    const io = bufferIo();
    expect(await previewCommand('app', 'rules/examples/app/add-to-cart-no-sku.json', json, io)).toBe(1);
    expect(io.stderr()).toMatch(
      /^error: rule "add to cart" of source "app", track\[0\]\.cart\.items: .*sku.*Gift card/,
    );
    expect(io.stdout()).toBe('');
  });

  it('fails clearly for a missing or malformed event file', async () => {
    const dir = await dirWith({ 'bad.json': '{"type": "purchase",' });
    const missing = bufferIo();
    expect(await previewCommand('app', `${dir}/nope.json`, json, missing)).toBe(1);
    expect(missing.stderr()).toBe(`error: cannot read event file "${dir}/nope.json"\n`);
    const malformed = bufferIo();
    expect(await previewCommand('app', `${dir}/bad.json`, json, malformed)).toBe(1);
    expect(malformed.stderr()).toContain(`error: event file "${dir}/bad.json" is not valid JSON: `);
  });

  it('maps each event of an array for an api-key source, as POST /events does', async () => {
    const batch = [
      { id: 'b1', type: 'search', timestamp: 1726129012, userId: 'u1', properties: { query: 'socks' } },
      { id: 'b2', type: 'newsletter_opened', timestamp: 1726129013, userId: 'u1' },
      { id: 'b3', type: 'signup', timestamp: 1726129014, userId: 'u2' },
    ];
    const dir = await dirWith({ 'batch.json': JSON.stringify(batch) });
    const io = bufferIo();
    expect(await previewCommand('app', `${dir}/batch.json`, json, io)).toBe(0);
    const requests = JSON.parse(io.stdout()) as Record<string, string>[];
    expect(requests.map((r) => [r.search ?? r.idgoal, r.uid, r.cdt])).toEqual([
      ['socks', 'u1', '1726129012'],
      ['2', 'u2', '1726129014'],
    ]);
    const text = bufferIo();
    expect(await previewCommand('app', `${dir}/batch.json`, human, text)).toBe(0);
    expect(text.stdout()).toContain('app event b2: no rule matched');
  });

  it('reads rules from --rules and identifies an event without id by its content hash', async () => {
    const dir = await dirWith({
      'shop.yaml': MINIMAL_RULES,
      'examples/purchase.json': PURCHASE_EVENT,
      'anonymous.json': JSON.stringify({ type: 'purchase', action: 'Bought', total: 3, ts: 1726128930 }),
    });
    const io = bufferIo();
    expect(await previewCommand('shop', `${dir}/anonymous.json`, { ...human, rules: dir }, io)).toBe(0);
    expect(io.stdout()).toMatch(/^shop event [0-9a-f]{32}: matched "purchase"$/m);
    expect(io.stdout()).toMatch(/visitor shop:[0-9a-f]{32}$/m);
  });
});
