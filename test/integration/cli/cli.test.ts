import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKOUT_LINE_ITEMS_REQUESTS } from '../../support/checkout-requests.ts';
import { runTaglane as taglane } from '../../support/taglane-binary.ts';
import { tempDirPerFile } from '../../support/temp-dir.ts';

const BROKEN = `# yaml-language-server: $schema=../schema/rules.schema.json
source: shop
auth:
  api-key: { secrets: [SHOP_API_KEY] }
site: 0
rules:
  - name: purchase
    track:
      - event: { category: Shop, action: Bought, value: lots }
      - goal: { id: 1, revenu: 5 }
`;

describe('taglane binary', () => {
  const broken = tempDirPerFile('taglane-cli-int-', { 'shop.yaml': BROKEN });

  it('prints help listing every command and exits 0', async () => {
    const run = await taglane('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: taglane');
    for (const command of ['validate', 'test', 'preview', 'schema', 'serve'])
      expect(run.stdout).toContain(command);
  });

  it('validates the shipped rules and runs their examples', async () => {
    const [validate, test] = await Promise.all([taglane('validate', 'rules'), taglane('test', 'rules')]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('all valid');
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/\n\d+ examples, 0 failed\n$/);
    expect(test.stdout).not.toContain('FAIL');
  });

  it('prints exactly a JSON array for preview --json of the Stripe checkout with line items', async () => {
    const run = await taglane(
      'preview',
      '--json',
      'stripe',
      'rules/examples/stripe/checkout-session-completed-line-items.json',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(CHECKOUT_LINE_ITEMS_REQUESTS);
  });

  it('reports every mistake of a broken file with file:line:col and exits 1', async () => {
    const run = await taglane('validate', broken.path);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const file = join(broken.path, 'shop.yaml');
    expect(run.stderr).toContain(`${file}:5:7 site: `);
    expect(run.stderr).toContain(`${file}:9:57 rules[0].track[0].event.value: `);
    expect(run.stderr).toContain(`${file}:10:24 rules[0].track[1].goal.revenu: unknown key`);
    expect(run.stderr).toContain('3 problems found');
  });

  it('exits 1 from test and preview when the rules are invalid', async () => {
    const [test, preview] = await Promise.all([
      taglane('test', broken.path),
      taglane('preview', '--rules', broken.path, 'shop', 'rules/examples/app/signup.json'),
    ]);
    expect(test.code).toBe(1);
    expect(test.stderr).toContain('3 problems found');
    expect(preview.code).toBe(1);
    expect(preview.stderr).toContain(`${join(broken.path, 'shop.yaml')}:5:7 site: `);
  });

  it('exits 1 with a clear message for an unknown source or a rule error', async () => {
    const [unknown, ruleError] = await Promise.all([
      taglane('preview', 'paypal', 'rules/examples/stripe/invoice-paid.json'),
      taglane('preview', 'app', 'rules/examples/app/add-to-cart-no-sku.json', '--json'),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      'error: unknown source "paypal" in rules (sources: app, github, lemonsqueezy, paddle, segment, shopify, slack, stripe)\n',
    );
    expect(ruleError.code).toBe(1);
    expect(ruleError.stdout).toBe('');
    expect(ruleError.stderr).toContain('error: rule "add to cart" of source "app", track[0].cart.items');
  });

  it('finds the committed schema current', async () => {
    const run = await taglane('schema', '--check');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('schema/rules.schema.json is current');
  });
});
