import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSet, loadRuleSet, type RuleSet } from '../../../src/rules/index.ts';
import { CTX, compileOne, HEADER } from './helpers.ts';

async function shippedEvents(set: RuleSet): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  for (const name of set.sources.keys()) {
    const dir = join('rules', 'examples', name);
    const files = await readdir(dir).catch(() => []);
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      out.push([name, JSON.parse(await readFile(join(dir, file), 'utf8'))]);
    }
  }
  return out;
}

async function outcome(set: RuleSet, source: string, event: unknown): Promise<unknown> {
  return set.sources
    .get(source)
    ?.map(event, CTX)
    .catch((e: unknown) => ({ error: (e as Error).message }));
}

describe('fast paths change speed, never results', () => {
  it('maps every shipped example event exactly as plain JSONata evaluation does', async () => {
    const fast = await loadRuleSet('rules');
    const paths = (await readdir('rules')).filter((f) => /\.ya?ml$/.test(f)).map((f) => join('rules', f));
    const files = await Promise.all(
      paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') })),
    );
    const naive = compileRuleSet(files, { optimize: false });
    const events = await shippedEvents(fast);
    expect(events.length).toBeGreaterThan(5);
    for (const [source, event] of events) {
      expect(await outcome(fast, source, event)).toEqual(await outcome(naive, source, event));
    }
  });

  it('mixes JSONata-only expressions with direct reads in one request', async () => {
    const s = compileOne(`${HEADER}rules:
  - name: r
    when: '{% $count(items) > 1 %}'
    track:
      - cart: { revenue: '{% $sum(items.price) %}', items: '{% items %}', user: '{% user %}' }
`);
    const result = await s.map(
      {
        user: 'u',
        items: [
          { sku: 'A', price: 2 },
          { sku: 'B', price: 3.5 },
        ],
      },
      CTX,
    );
    expect(result.requests[0]?.params).toMatchObject({
      revenue: '5.5',
      uid: 'u',
      ec_items: '[["A","",""' + ',2,1],["B","","",3.5,1]]',
    });
    expect((await s.map({ items: [{ sku: 'A', price: 2 }] }, CTX)).matched).toEqual([]);
  });
});
