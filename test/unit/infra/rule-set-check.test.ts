import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRuleSet, RuleSetSynthError } from '../../../lib/rule-set-check.ts';
import { tempDirPerTest } from '../../support/temp-dir.ts';
import { HEADER } from '../rules/helpers.ts';

const rules = tempDirPerTest('taglane-synth-rules-');

describe('checkRuleSet at synth', () => {
  it('reads rule files that are symbolic links, as taglane validate does', async () => {
    await mkdir(join(rules.path, 'real'));
    await writeFile(join(rules.path, 'real', 'app.yaml'), `${HEADER}rules: []\n`);
    await symlink(join('real', 'app.yaml'), join(rules.path, 'app.yaml'));
    expect([...checkRuleSet(rules.path).sources.keys()]).toEqual(['app']);
  });

  it('stops synth on a broken link instead of deploying without that source', async () => {
    await symlink('missing.yaml', join(rules.path, 'app.yaml'));
    const error = (() => {
      try {
        checkRuleSet(rules.path);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RuleSetSynthError);
    expect((error as RuleSetSynthError).lines).toEqual([
      `${join(rules.path, 'app.yaml')}:1:1 broken symbolic link: its target cannot be read`,
    ]);
  });
});
