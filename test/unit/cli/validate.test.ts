import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../../src/cli/validate.ts';
import { tempDirMaker } from '../../support/temp-dir.ts';
import { bufferIo } from './buffer-io.ts';
import { MINIMAL_RULES, PURCHASE_EVENT } from './minimal-rules.ts';

const dirWith = tempDirMaker('taglane-cli-');

describe('taglane validate', () => {
  it('accepts the shipped rules and names every source', async () => {
    const io = bufferIo();
    expect(await validateCommand('rules', io)).toBe(0);
    expect(io.stdout()).toMatch(
      /^rules: 8 sources \(app, github, lemonsqueezy, paddle, segment, shopify, slack, stripe\), \d+ rules, all valid\n$/,
    );
    expect(io.stderr()).toBe('');
  });

  it('reports three mistakes in one file at once, each with file:line:col and path', async () => {
    const broken = MINIMAL_RULES.replace('site: 3', 'site: 0')
      .replace('{% type = "purchase" %}', '{% type = %}')
      .replace("value: '{% total %}' }", "value: '{% total %}', colour: red }");
    const dir = await dirWith({ 'shop.yaml': broken, 'examples/purchase.json': PURCHASE_EVENT });
    const io = bufferIo();
    expect(await validateCommand(dir, io)).toBe(1);
    const file = `${dir}/shop.yaml`;
    const lines = io.stderr().trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(at(file, 4, 7, 'site'));
    expect(lines[1]).toMatch(at(file, 8, 21, 'rules[0].when'));
    expect(lines[1]).toContain('JSONata syntax error');
    expect(lines[2]).toMatch(at(file, 10, 80, 'rules[0].track[0].event.colour'));
    expect(lines[2]).toContain('unknown key');
    expect(lines[3]).toBe('3 problems found');
    expect(io.stdout()).toBe('');
  });

  it('reports a value of the wrong type at the value', async () => {
    const broken = MINIMAL_RULES.replace("value: '{% total %}' }", 'value: lots }');
    const dir = await dirWith({ 'shop.yaml': broken, 'examples/purchase.json': PURCHASE_EVENT });
    const io = bufferIo();
    expect(await validateCommand(dir, io)).toBe(1);
    expect(io.stderr()).toMatch(at(`${dir}/shop.yaml`, 10, 65, 'rules[0].track[0].event.value'));
  });

  it('locates JSONata syntax errors inside the expression', async () => {
    const broken = MINIMAL_RULES.replace('{% type = "purchase" %}', '{% type = %}').replace(
      "'{% action %}'",
      "'{% $foo( %}'",
    );
    const dir = await dirWith({ 'shop.yaml': broken, 'examples/purchase.json': PURCHASE_EVENT });
    const io = bufferIo();
    expect(await validateCommand(dir, io)).toBe(1);
    const file = `${dir}/shop.yaml`;
    expect(io.stderr()).toMatch(at(file, 8, 21, 'rules[0].when'));
    expect(io.stderr()).toMatch(at(file, 10, 51, 'rules[0].track[0].event.action'));
    expect(io.stderr()).toContain('JSONata syntax error');
  });

  it('reports problems of every file, not only the first broken one', async () => {
    const dir = await dirWith({
      'a.yaml': MINIMAL_RULES.replace('source: shop', 'source: Shop'),
      'b.yml': MINIMAL_RULES.replace('source: shop', 'source: other').replace('SHOP_API_KEY', 'shop-key'),
      'examples/purchase.json': PURCHASE_EVENT,
    });
    const io = bufferIo();
    expect(await validateCommand(dir, io)).toBe(1);
    expect(io.stderr()).toContain(`${dir}/a.yaml:1:9 source: `);
    expect(io.stderr()).toContain(`${dir}/b.yml:3:`);
    expect(io.stderr()).toContain('auth.api-key.secrets[0]: ');
  });

  it('reports a YAML alias bomb as a problem line, exit 1, without a stack trace', async () => {
    const bomb = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (const name of ['b', 'c', 'd', 'e', 'f', 'g']) {
      const previous = String.fromCharCode(name.charCodeAt(0) - 1);
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const dir = await dirWith({ 'shop.yaml': `${bomb.join('\n')}\n${MINIMAL_RULES}` });
    const io = bufferIo();
    expect(await validateCommand(dir, io)).toBe(1);
    expect(io.stderr()).toContain(`${dir}/shop.yaml:2:8 YAML aliases expand to too many nodes`);
    expect(io.stderr()).not.toContain('    at ');
  });

  it('says so plainly when the directory does not exist', async () => {
    const io = bufferIo();
    expect(await validateCommand('no/such/rules', io)).toBe(1);
    expect(io.stderr()).toBe('error: rule directory "no/such/rules" does not exist\n');
  });
});

/** A regexp for one problem line: `file:line:col path: `. */
function at(file: string, line: number, column: number, path: string): RegExp {
  const quote = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${quote(`${file}:${line}:${column} ${path}: `)}`, 'm');
}
