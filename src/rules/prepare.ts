import { compileRuleSet, type RuleFileText } from './compile.ts';
import type { CompileOptions } from './expression.ts';
import type { PreparedRuleSet } from './prepared.ts';
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
  const prepared: PreparedRuleSet = {
    version: 1,
    files: files.map(({ path, text }) => ({
      path,
      file: RuleFileSchema.parse(parseYamlSource(path, text).data),
    })),
  };
  return { ruleSet, prepared };
}
