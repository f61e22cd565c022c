import { describe, expect, it } from 'vitest';
import { testCommand } from '../../../src/cli/test-examples.ts';
import { tempDirMaker } from '../../support/temp-dir.ts';
import { bufferIo } from './buffer-io.ts';
import { MINIMAL_RULES, PURCHASE_EVENT } from './minimal-rules.ts';

const dirWith = tempDirMaker('taglane-cli-');

describe('taglane test', () => {
  it('passes every example of the shipped rules, one line each', async () => {
    const io = bufferIo();
    expect(await testCommand('rules', io)).toBe(0);
    const lines = io.stdout().trim().split('\n');
    const results = lines.filter((l) => /^(ok|FAIL)\s/.test(l));
    expect(results.length).toBeGreaterThanOrEqual(15);
    expect(results.every((l) => l.startsWith('ok'))).toBe(true);
    expect(lines.at(-1)).toBe(`${results.length} examples, 0 failed`);
    for (const source of ['stripe', 'github', 'shopify', 'app']) {
      expect(results.some((l) => l.includes(` ${source} `))).toBe(true);
    }
  });

  it('passes an example whose expectation holds', async () => {
    const dir = await dirWith({ 'shop.yaml': MINIMAL_RULES, 'examples/purchase.json': PURCHASE_EVENT });
    const io = bufferIo();
    expect(await testCommand(dir, io)).toBe(0);
    expect(io.stdout()).toContain('ok    shop  "purchase" #0  examples/purchase.json');
  });

  it('fails with the example position and a diff of expected against produced values', async () => {
    const rules = MINIMAL_RULES.replace("e_v: '12.5'", "e_v: '99'").replace(
      'idsite: ',
      'e_n: Gift, idsite: ',
    );
    const dir = await dirWith({ 'shop.yaml': rules, 'examples/purchase.json': PURCHASE_EVENT });
    const io = bufferIo();
    expect(await testCommand(dir, io)).toBe(1);
    const out = io.stdout();
    expect(out).toContain('FAIL  shop  "purchase" #0  examples/purchase.json');
    expect(out).toContain(`at ${dir}/shop.yaml:12:`);
    expect(out).toContain('request 0 e_v: expected "99", got "12.5"');
    expect(out).toContain('request 0 e_n: expected "Gift", got absent');
    expect(io.stderr()).toBe('\n1 example, 1 failed\n');
  });

  it('fails an example that expects nothing when the rule produces a request', async () => {
    const rules = MINIMAL_RULES.replace(/expect:\n.*\n/, 'expect: []\n');
    const dir = await dirWith({ 'shop.yaml': rules, 'examples/purchase.json': PURCHASE_EVENT });
    const io = bufferIo();
    expect(await testCommand(dir, io)).toBe(1);
    expect(io.stdout()).toContain('expected 0 request(s), got 1');
  });

  it('fails an example whose event file is missing', async () => {
    const dir = await dirWith({ 'shop.yaml': MINIMAL_RULES });
    const io = bufferIo();
    expect(await testCommand(dir, io)).toBe(1);
    expect(io.stdout()).toContain('cannot read event examples/purchase.json');
  });

  it('reports invalid rules as problems instead of running examples', async () => {
    const dir = await dirWith({ 'shop.yaml': MINIMAL_RULES.replace('site: 3', 'site: -3') });
    const io = bufferIo();
    expect(await testCommand(dir, io)).toBe(1);
    expect(io.stderr()).toMatch(new RegExp(`^${dir}/shop\\.yaml:4:7 site: `));
    expect(io.stdout()).toBe('');
  });
});
