import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatProblem,
  loadRuleSet,
  RuleError,
  type RuleProblem,
  RuleSetError,
  runExamples,
} from '../../../src/rules/index.ts';
import { tempDirPerTest } from '../../support/temp-dir.ts';
import { HEADER } from './helpers.ts';

const rules = tempDirPerTest('taglane-rules-');

async function loadProblems(path: string): Promise<readonly RuleProblem[]> {
  const error = await loadRuleSet(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RuleSetError)) throw new Error('expected a RuleSetError');
  return error.problems;
}

describe('loadRuleSet', () => {
  it('reads top-level .yaml and .yml files only, not payload folders', async () => {
    await writeFile(join(rules.path, 'a.yaml'), `${HEADER.replace('app', 'a')}rules: []\n`);
    await writeFile(join(rules.path, 'b.yml'), `${HEADER.replace('app', 'b')}rules: []\n`);
    await writeFile(join(rules.path, 'notes.txt'), 'not a rule file');
    await mkdir(join(rules.path, 'examples'));
    await writeFile(join(rules.path, 'examples', 'broken.yaml'), 'this: [is not a rule file');
    const set = await loadRuleSet(rules.path);
    expect([...set.sources.keys()]).toEqual(['a', 'b']);
    expect(set.sources.get('a')?.file).toBe(join(rules.path, 'a.yaml'));
  });

  it('reports all three mistakes of one file with file:line:col', async () => {
    const fixture = new URL('../../fixtures/rules/invalid/three-mistakes.yaml', import.meta.url);
    await writeFile(join(rules.path, 'stripe.yaml'), await readFile(fixture, 'utf8'));
    const problems = await loadProblems(rules.path);
    const file = join(rules.path, 'stripe.yaml');
    expect(problems.map(formatProblem)).toEqual([
      `${file}:12:11 rules[0].track[0].order.revenu: unknown key "revenu" (did you mean "revenue"?)`,
      `${file}:13:102 rules[0].track[1].event.value: JSONata syntax error: Unexpected end of expression`,
      `${file}:16:28 rules[1].track[0].event.category: expected a non-empty string`,
    ]);
  });

  it('reports problems of every file together, and a source defined twice', async () => {
    await writeFile(join(rules.path, 'a.yaml'), `${HEADER}rules: []\n`);
    await writeFile(join(rules.path, 'b.yaml'), `${HEADER}rules: []\n`);
    await writeFile(
      join(rules.path, 'c.yaml'),
      'source: c\nauth: { github: { secret: nope } }\nsite: 0\nrules: []\n',
    );
    const problems = await loadProblems(rules.path);
    expect(problems.map(formatProblem)).toEqual([
      `${join(rules.path, 'b.yaml')}:1:9 source: source "app" is also defined in ${join(rules.path, 'a.yaml')}`,
      `${join(rules.path, 'c.yaml')}:2:27 auth.github.secret: expected a secret NAME like STRIPE_WEBHOOK_SECRET (never the value)`,
      `${join(rules.path, 'c.yaml')}:3:7 site: expected a site id > 0`,
    ]);
  });

  it('throws a RuleSetError whose message lists every problem', async () => {
    await writeFile(join(rules.path, 'a.yaml'), 'source: a\n');
    const error = await loadRuleSet(rules.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleError);
    expect((error as Error).message).toBe(
      [
        'invalid rule set (3 problems):',
        `${join(rules.path, 'a.yaml')}:1:1 auth: missing required key "auth"`,
        `${join(rules.path, 'a.yaml')}:1:1 site: missing required key "site"`,
        `${join(rules.path, 'a.yaml')}:1:1 rules: missing required key "rules"`,
      ].join('\n'),
    );
  });

  it('never echoes a secret value given where a secret name belongs, beyond its position', async () => {
    await writeFile(
      join(rules.path, 'a.yaml'),
      'source: a\nauth: { stripe: { secret: whsec_live_123 } }\nsite: 1\nrules: []\n',
    );
    const [problem] = await loadProblems(rules.path);
    expect(problem?.message).not.toContain('whsec_live_123');
  });

  it('reports a missing rule directory as a rule set problem', async () => {
    const problems = await loadProblems(join(rules.path, 'nope'));
    expect(problems.map(formatProblem)).toEqual([
      `${join(rules.path, 'nope')}:1:1 cannot read the rule directory (ENOENT)`,
    ]);
  });

  it('reads rule files that are symbolic links, as a Kubernetes ConfigMap mounts them', async () => {
    // A ConfigMap volume: the files live in a timestamped folder, `..data` links to it, and
    // every key is a link through `..data`.
    await mkdir(join(rules.path, '..2026_12_01_09_00_00.123'));
    await writeFile(
      join(rules.path, '..2026_12_01_09_00_00.123', 'a.yaml'),
      `${HEADER.replace('app', 'a')}rules: []\n`,
    );
    await symlink('..2026_12_01_09_00_00.123', join(rules.path, '..data'));
    await symlink('..data/a.yaml', join(rules.path, 'a.yaml'));
    const set = await loadRuleSet(rules.path);
    expect([...set.sources.keys()]).toEqual(['a']);
    expect(set.sources.get('a')?.file).toBe(join(rules.path, 'a.yaml'));
  });

  it('reports a broken symbolic link with the other problems instead of leaving the file out', async () => {
    await symlink('..data/gone.yaml', join(rules.path, 'gone.yaml'));
    await writeFile(join(rules.path, 'z.yaml'), `${HEADER}site: 0\nrules: []\n`.replace('site: 1\n', ''));
    const problems = await loadProblems(rules.path);
    expect(problems.map(formatProblem)).toEqual([
      `${join(rules.path, 'gone.yaml')}:1:1 broken symbolic link: its target cannot be read (ENOENT)`,
      `${join(rules.path, 'z.yaml')}:3:7 site: expected a site id > 0`,
    ]);
  });

  it('reports a YAML alias bomb (billion laughs) as a problem at the first alias', async () => {
    const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (const [prev, next] of ['ab', 'bc', 'cd', 'de', 'ef']) {
      laughs.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    await writeFile(join(rules.path, 'bomb.yaml'), `${HEADER}${laughs.join('\n')}\nrules: []\n`);
    const problems = await loadProblems(rules.path);
    expect(problems.map(formatProblem)).toEqual([
      `${join(rules.path, 'bomb.yaml')}:5:8 YAML aliases expand to too many nodes (more than 100 alias resolutions): an alias bomb? Write the values out instead`,
    ]);
  });

  it('refuses an example outside the rule directory at its given, with file:line:col', async () => {
    const rule = (given: string) =>
      `  - name: r ${given}\n    track: [{ pageview: { url: 'https://a.example/' } }]\n    examples:\n      - { given: '${given}', expect: [] }\n`;
    await writeFile(
      join(rules.path, 'app.yaml'),
      `${HEADER}rules:\n${rule('../../../../etc/passwd')}${rule('/etc/passwd')}${rule('examples/../../x.json')}${rule('examples/../ok.json')}`,
    );
    const file = join(rules.path, 'app.yaml');
    expect((await loadProblems(rules.path)).map(formatProblem)).toEqual([
      `${file}:8:18 rules[0].examples[0].given: expected a path inside the rule directory; ".." may not leave it`,
      `${file}:12:18 rules[1].examples[0].given: expected a path relative to the rule file, not an absolute path`,
      `${file}:16:18 rules[2].examples[0].given: expected a path inside the rule directory; ".." may not leave it`,
    ]);
  });

  it('loads the shipped rules and all their examples pass', async () => {
    const set = await loadRuleSet('rules');
    expect(set.sources.size).toBeGreaterThan(0);
    const failures = (await runExamples(set)).filter((r) => !r.ok);
    expect(failures).toEqual([]);
  });
});
