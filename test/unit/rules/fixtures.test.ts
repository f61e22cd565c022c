import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDestinationsFile, resolveDestinations } from '../../../src/destinations/index.ts';
import { compileRuleSet, formatProblem, RuleSetError } from '../../../src/rules/index.ts';

// Segment mapping-kit style: each invalid rule file sits next to the exact problems it must produce.
const FIXTURES = new URL('../../fixtures/rules/', import.meta.url).pathname;
const invalid = readdirSync(join(FIXTURES, 'invalid')).filter((f) => f.endsWith('.yaml'));
const valid = readdirSync(join(FIXTURES, 'valid')).filter((f) => f.endsWith('.yaml'));

// The destinations the fixtures may name (default, eu-matomo and their named sites).
const destinations = resolveDestinations(
  parseDestinationsFile(
    'destinations.yaml',
    readFileSync(join(FIXTURES, '../destinations/destinations.yaml'), 'utf8'),
  ),
  undefined,
);

function problems(file: string, text: string): string[] {
  try {
    compileRuleSet([{ path: file, text }], { targets: destinations.catalog });
    return [];
  } catch (e) {
    if (!(e instanceof RuleSetError)) throw e;
    return e.problems.map(formatProblem);
  }
}

describe('invalid rule files report exactly the expected problems', () => {
  it.each(invalid)('%s', (file) => {
    const text = readFileSync(join(FIXTURES, 'invalid', file), 'utf8');
    const expected = readFileSync(join(FIXTURES, 'invalid', file.replace(/\.yaml$/, '.txt')), 'utf8');
    expect(problems(file, text)).toEqual(expected.trimEnd().split('\n'));
  });

  it('has a fixture for every kind of mistake it claims to cover', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(20);
  });
});

describe('valid rule files compile', () => {
  it.each(valid)('%s', (file) => {
    const text = readFileSync(join(FIXTURES, 'valid', file), 'utf8');
    expect(problems(file, text)).toEqual([]);
  });
});
