import { describe, expect, it } from 'vitest';
import { checkAndPrepareRuleSet } from '../../../lib/rule-set-check.ts';
import { compileValue, preparseExpression } from '../../../src/rules/expression.ts';
import { compileFast, type Node } from '../../../src/rules/fast.ts';
import { RuleSetError } from '../../../src/rules/index.ts';
import { compilePreparedRuleSet } from '../../../src/rules/prepared.ts';

describe('expressions parsed at synth', () => {
  it('keep the JSONata AST of every expression the fast compiler takes, and it survives JSON', () => {
    const { prepared } = checkAndPrepareRuleSet('rules');
    const stored = Object.entries(
      JSON.parse(JSON.stringify(prepared.expressions)) as Record<string, Node | null>,
    );
    const asts = stored.filter(([, ast]) => ast !== null);
    expect(asts.length).toBeGreaterThan(20);
    for (const [body, ast] of asts) expect(compileFast(ast as Node), body).toBeDefined();
  });

  it('compile to the same fast closure as JSONata parsing now, without parsing', async () => {
    const body = "type = 'signup' and amount > 2 ? 'big signup' : type & '-' & amount";
    const parsed = new Map([[body, JSON.parse(JSON.stringify(preparseExpression(body))) as Node]]);
    const now = compileValue(`{%${body}%}`);
    const prepared = compileValue(`{%${body}%}`, { parsed });
    expect(prepared.kind).toBe('compiled');
    for (const event of [{ type: 'signup', amount: 3 }, { type: 'x', amount: 4 }, { amount: [1, 5] }])
      expect(prepared.read(event)).toEqual(now.read(event));
    // Evaluation JSONata must decide still gets JSONata, parsed on first use.
    expect(await prepared.evaluate({ type: 'x', amount: 4 })).toBe(
      await now.evaluate({ type: 'x', amount: 4 }),
    );
  });

  it('keep no AST for plain paths or what only JSONata runs', () => {
    expect(preparseExpression('data.object.id')).toBeNull();
    expect(preparseExpression('$sum(items.price)')).toBeNull();
  });

  it('refuse a prepared rule set whose expression synth did not check', () => {
    const { prepared } = checkAndPrepareRuleSet('rules');
    const edited = { ...prepared, expressions: {} };
    expect(() => compilePreparedRuleSet(edited)).toThrow(RuleSetError);
    expect(() => compilePreparedRuleSet(edited)).toThrow(/expression not checked at synth/);
  });
});
