/** One problem in a rule file, located so an editor can jump to it. */
export interface RuleProblem {
  /** The rule file as it was given (relative paths stay relative). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** Where in the rule file's data, e.g. `rules[2].track[0].order.revenue`; empty for the file. */
  readonly path: string;
  readonly message: string;
}

/**
 * Formats a problem as `file:line:col path: message`, the shape editors and CI logs link to.
 *
 * @example
 * formatProblem(p) // "rules/stripe.yaml:14:9 rules[2].track[0].order.revenue: expected a number or a {% ... %} expression"
 */
export function formatProblem(p: RuleProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.path === '' ? `${where} ${p.message}` : `${where} ${p.path}: ${p.message}`;
}

/** Base class of every error the rule engine throws, so callers can catch them as one family. */
export class RuleError extends Error {
  override readonly name: string = 'RuleError';
}

/**
 * A rule set that cannot be loaded. Carries every problem of every file at once, so a user fixes
 * them in one pass instead of one per run. Never retryable: the rule files must change.
 */
export class RuleSetError extends RuleError {
  override readonly name = 'RuleSetError';
  readonly problems: readonly RuleProblem[];

  constructor(problems: readonly RuleProblem[], options?: ErrorOptions) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid rule set (${head}):\n${problems.map(formatProblem).join('\n')}`, options);
    this.problems = problems;
  }
}

/**
 * A rule produced a value at run time that breaks Matomo's rules (a blank event category, a
 * non-numeric revenue, an item without SKU, an unparsable time, ...). The event cannot be mapped
 * until the rules (or the event) change, so ingest answers 422 instead of queueing a wrong request.
 */
export class RuleEvaluationError extends RuleError {
  override readonly name = 'RuleEvaluationError';
  /** The rule file's `source`. */
  readonly source: string;
  /** The rule's name (or `source` settings such as `site` when no rule owns the field). */
  readonly rule: string;
  /** Path of the field in the rule, e.g. `track[0].order.revenue` or `site`. */
  readonly field: string;
  /** The offending value as the rule produced it. */
  readonly value: unknown;
  /** What is wrong with it, without the location. */
  readonly reason: string;

  constructor(
    init: { source: string; rule: string; field: string; value: unknown; reason: string },
    options?: ErrorOptions,
  ) {
    super(
      `rule "${init.rule}" of source "${init.source}", ${init.field}: ${init.reason} (got ${describeValue(init.value)})`,
      options,
    );
    this.source = init.source;
    this.rule = init.rule;
    this.field = init.field;
    this.value = init.value;
    this.reason = init.reason;
  }
}

/**
 * Thrown by value coercers with only the reason; the evaluator adds rule and field and rethrows
 * a {@link RuleEvaluationError}. Internal to the engine.
 */
export class FieldError extends RuleError {
  override readonly name = 'FieldError';
  readonly value: unknown;

  constructor(reason: string, value: unknown, options?: ErrorOptions) {
    super(reason, options);
    this.value = value;
  }
}

const MAX_SHOWN = 120;

/** A short, single-line rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Cyclic, BigInt or nested too deep for the stack: String() recurses as deep as
    // JSON.stringify on arrays, so only the kind of value is shown.
    text = Array.isArray(value) ? '[an array]' : typeof value === 'object' ? '[an object]' : typeof value;
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}
