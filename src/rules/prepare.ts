import { compileRuleSet, type RuleFileText } from './compile.ts';
import type { CompileOptions } from './expression.ts';
import { preparseExpression } from './expression.ts';
import type { Node } from './fast.ts';
import { forEachExpression, type PreparedRuleSet } from './prepared.ts';
import { RuleFileSchema } from './schema.ts';
import type { RuleSet } from './types.ts';
import { parseYamlSource } from './yaml-source.ts';

/**
 * Checks rule files exactly as `compileRuleSet` does (same problems, same options) and keeps
 * each file's schema output for `compilePreparedRuleSet`: the YAML and schema work done once,
 * at synth, instead of at every cold start. The prepared set is JSON-safe.
 *
 * @throws {RuleSetError} when any file has any problem (nothing is prepared then).
 */
export function prepareRuleSet(
  files: readonly RuleFileText[],
  options: CompileOptions = {},
): { readonly ruleSet: RuleSet; readonly prepared: PreparedRuleSet } {
  const ruleSet = compileRuleSet(files, options);
  const prepared = files.map(({ path, text }) => ({
    path,
    file: RuleFileSchema.parse(parseYamlSource(path, text).data),
  }));
  const expressions: Record<string, Node | null> = {};
  for (const { file } of prepared) {
    forEachExpression(file, (body) => {
      if (!Object.hasOwn(expressions, body)) expressions[body] = preparseExpression(body);
    });
  }
  return { ruleSet, prepared: { version: 1, files: prepared, expressions } };
}
