export { compileRuleSet, type RuleFileText } from './compile.ts';
export { formatProblem, RuleError, RuleEvaluationError, type RuleProblem, RuleSetError } from './errors.ts';
export { compareRequests, type ExampleResult, runExamples } from './examples.ts';
export { ruleFileJsonSchema, ruleFileJsonSchemaText } from './json-schema.ts';
export { loadRuleSet, ruleFilePaths } from './load.ts';
export { matomoParams } from './preview.ts';
export { requestId } from './source.ts';
export { normaliseTime } from './time.ts';
export type { AuthConfig, CompiledSource, MapContext, MapResult, RuleExample, RuleSet } from './types.ts';
