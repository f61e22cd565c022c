import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchRules } from '../../../src/local/rule-watch.ts';
import type { RuleSet } from '../../../src/rules/index.ts';
import { tempDirPerFile } from '../../support/temp-dir.ts';

const rule = (site: string): string => `source: shop
auth:
  api-key: { secrets: [SHOP_KEY] }
site: ${site}
visitor: { key: '{% who %}' }
rules:
  - name: viewed
    track: [{ pageview: { url: '{% url %}' } }]
`;

describe('watchRules', () => {
  const temp = tempDirPerFile('taglane-watch-', { 'shop.yaml': rule('1') });

  it('hands over a valid change and refuses an invalid one with file:line:col problems', async () => {
    const loaded: RuleSet[] = [];
    const refused: (readonly string[])[] = [];
    const errors: unknown[] = [];
    const watch = watchRules({
      dir: temp.path,
      settleMs: 50,
      onLoaded: async (ruleSet) => {
        loaded.push(ruleSet);
      },
      onRefused: (problems) => refused.push(problems),
      onError: (error) => errors.push(error),
    });
    const until = async (done: () => boolean): Promise<void> => {
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    try {
      await writeFile(join(temp.path, 'shop.yaml'), rule('one'));
      await until(() => refused.length > 0);
      expect(refused[0]).toEqual([
        `${join(temp.path, 'shop.yaml')}:4:7 site: unknown site "one": site names need a destinations.yaml that declares them`,
      ]);
      expect(loaded).toEqual([]);
      await writeFile(join(temp.path, 'shop.yaml'), rule('2'));
      await until(() => loaded.length > 0);
      expect([...(loaded[0]?.sources.keys() ?? [])]).toEqual(['shop']);
      // Not a rule file: no reload.
      await writeFile(join(temp.path, 'notes.txt'), 'x');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(loaded.length).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      watch.close();
    }
  });
});
