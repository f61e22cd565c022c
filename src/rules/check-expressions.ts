import type { RuleProblem } from './errors.ts';
import { compileValue, ExpressionSyntaxError, isExpression } from './expression.ts';
import type { DataPath, YamlSource } from './yaml-source.ts';

/**
 * Checks every expression of a rule file, wherever it is and whether or not the rest of the
 * file is valid, so a JSONata syntax error is reported together with schema mistakes.
 */
export function expressionProblems(src: YamlSource, data: unknown): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const visit = (value: unknown, path: DataPath): void => {
    if (typeof value === 'string') {
      const problem = checkString(src, value, path);
      if (problem) problems.push(problem);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        visit(item, [...path, i]);
      });
    } else if (value !== null && typeof value === 'object') {
      // Expected requests of examples are literal Matomo parameters, never expressions.
      const entries = Object.entries(value).filter(
        ([key]) => !(key === 'expect' && path.at(-2) === 'examples'),
      );
      for (const [key, item] of entries) visit(item, [...path, key]);
    }
  };
  visit(data, []);
  return problems;
}

function checkString(src: YamlSource, value: string, path: DataPath): RuleProblem | undefined {
  if (!isExpression(value)) {
    // Templates like "Order {% id %}" are not supported; without this they would silently be literals.
    return value.includes('{%')
      ? src.problem(path, 'an expression must be the whole value, "{% ... %}" (use & to join text)')
      : undefined;
  }
  try {
    compileValue(value);
    return undefined;
  } catch (e) {
    if (!(e instanceof ExpressionSyntaxError)) throw e;
    return src.problem(path, `JSONata syntax error: ${e.message}`, { offset: exprOffset(src, path, e) });
  }
}

/** Where inside the scalar's source text the JSONata error is, so the column points at it. */
function exprOffset(src: YamlSource, path: DataPath, e: ExpressionSyntaxError): number {
  const scalar = src.scalarSource(path);
  if (!scalar) return 0;
  const open = scalar.text.indexOf('{%');
  return open < 0 ? 0 : open + 2 + Math.max(e.position - 1, 0);
}
