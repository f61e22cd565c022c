import { formatProblem, type RuleProblem } from '../../rules/index.ts';

/** The tracker file is invalid: every problem with file, line and column, like rule problems. */
export class TrackerConfigError extends Error {
  override readonly name = 'TrackerConfigError';
  readonly problems: readonly RuleProblem[];

  constructor(problems: readonly RuleProblem[]) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid tracker file (${head}):\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}
