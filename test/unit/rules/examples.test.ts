import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRequests, loadRuleSet, matomoParams, runExamples } from '../../../src/rules/index.ts';
import { tempDirPerTest } from '../../support/temp-dir.ts';
import { HEADER } from './helpers.ts';

const outside = tempDirPerTest('taglane-outside-', {
  'secret.json': JSON.stringify({ id: 's1', type: 'paid', amount: 1 }),
});
const rules = tempDirPerTest('taglane-examples-', {
  'examples/paid.json': JSON.stringify({ id: 'e1', type: 'paid', amount: 12.5 }),
  'examples/bad.json': JSON.stringify({ id: 'e2', type: 'paid', amount: 'n/a' }),
});

const RULES = `${HEADER}rules:
  - name: paid
    when: '{% type = "paid" %}'
    track:
      - goal: { id: 1, revenue: '{% amount %}' }
      - event: { category: Billing, action: Paid }
    examples:
      - given: examples/paid.json
        expect: [{ idgoal: 1, revenue: '12.5' }, { e_c: Billing, e_n: null }]
      - given: examples/paid.json
        expect: [{ idgoal: '2' }, { e_a: Refunded }]
      - given: examples/paid.json
        expect: [{ idgoal: '1' }]
      - given: examples/bad.json
        expect: [{ idgoal: '1', revenue: null }, { e_c: Billing }]
      - given: examples/paid.json
        error: revenue
      - given: examples/missing.json
        expect: []
`;

describe('runExamples', () => {
  it('passes matching examples and explains each failure in readable lines', async () => {
    await writeFile(join(rules.path, 'app.yaml'), RULES);
    const results = await runExamples(await loadRuleSet(rules.path));
    expect(results.map((r) => [r.rule, r.index, r.ok, r.line])).toEqual([
      ['paid', 0, true, 11],
      ['paid', 1, false, 13],
      ['paid', 2, false, 15],
      ['paid', 3, true, 17],
      ['paid', 4, false, 19],
      ['paid', 5, false, 21],
    ]);
    expect(results[1]?.diff).toEqual([
      '  request 0 idgoal: expected "2", got "1"',
      '  request 1 e_a: expected "Refunded", got "Paid"',
    ]);
    expect(results[2]?.diff).toEqual([
      'expected 1 request(s), got 2',
      expect.stringMatching(/^ {2}\+ request 1: \{"idsite":"1",.*"e_c":"Billing"/),
    ]);
    expect(results[4]?.diff).toEqual([
      'expected an error containing "revenue", but the event mapped without error',
    ]);
    expect(results[5]?.diff[0]).toMatch(/^cannot read event examples\/missing\.json: ENOENT/);
    expect(results[0]).toMatchObject({
      source: 'app',
      file: join(rules.path, 'app.yaml'),
      given: 'examples/paid.json',
    });
  });

  it('resolves rule files given relative to a base directory', async () => {
    await writeFile(join(rules.path, 'app.yaml'), RULES);
    const set = await loadRuleSet(relative(process.cwd(), rules.path));
    expect((await runExamples(set))[0]?.ok).toBe(true);
    // A base directory deeper than the working directory, so the rule file's `../` segments
    // cannot climb out of it (path.resolve stops at the root, which would make a shallow base
    // find the files again when the checkout sits at the right depth).
    const depth = process.cwd().split(sep).length;
    const elsewhere = await runExamples(set, join(rules.path, ...Array<string>(depth + 1).fill('elsewhere')));
    expect(elsewhere[0]?.ok).toBe(false);
    expect(elsewhere[0]?.diff[0]).toMatch(/^cannot read event examples\/paid\.json: ENOENT/);
  });
});

describe('runExamples, where examples may come from', () => {
  it('follows links inside the rule directory but refuses one that leads outside it', async () => {
    await mkdir(join(rules.path, 'linked'));
    await symlink(join(rules.path, 'examples', 'paid.json'), join(rules.path, 'linked', 'paid.json'));
    await symlink(join(outside.path, 'secret.json'), join(rules.path, 'examples', 'secret.json'));
    const examples = (given: string) =>
      `      - given: ${given}\n        expect: [{ idgoal: '1' }, { e_a: Paid }]\n`;
    await writeFile(
      join(rules.path, 'app.yaml'),
      `${RULES.split('    examples:')[0]}    examples:\n${examples('linked/paid.json')}${examples('examples/secret.json')}`,
    );
    const results = await runExamples(await loadRuleSet(rules.path));
    expect(results.map((r) => [r.given, r.ok])).toEqual([
      ['linked/paid.json', true],
      ['examples/secret.json', false],
    ]);
    expect(results[1]?.diff).toEqual([
      'cannot read event examples/secret.json: it leads outside the rule directory (through a symbolic link)',
    ]);
  });
});

describe('compareRequests', () => {
  it('reports an expected parameter that is absent', () => {
    const request = {
      v: 1 as const,
      id: '0'.repeat(32),
      source: 's',
      eventId: 'e',
      rule: 'r',
      index: 0,
      destination: 'default',
      params: { idsite: '1' },
      visitor: { key: 'k' },
      time: 0,
      receivedAt: 0,
    };
    expect(compareRequests([{ e_c: 'X' }], [request])).toEqual(['  request 0 e_c: expected "X", got absent']);
    expect(matomoParams([request])).toEqual([{ idsite: '1' }]);
  });
});
