import { DestinationsFileError } from '../destinations/index.ts';
import { formatProblem, RuleEvaluationError, RuleSetError } from '../rules/index.ts';
import { CliInputError } from './errors.ts';
import type { CliIo, ExitCode } from './io.ts';

/**
 * Prints an expected failure for a human and returns exit code 1: every problem of an invalid
 * rule set (one `file:line:col path: message` line each), a rule's run-time error naming rule,
 * field and value, or a CLI input mistake. Anything else is a bug and is rethrown.
 */
export function describeFailure(error: unknown, io: CliIo): ExitCode {
  if (error instanceof RuleSetError || error instanceof DestinationsFileError) {
    for (const problem of error.problems) io.err(formatProblem(problem));
    const count = error.problems.length;
    io.err(`${count} ${count === 1 ? 'problem' : 'problems'} found`);
    return 1;
  }
  if (error instanceof RuleEvaluationError || error instanceof CliInputError) {
    io.err(`error: ${error.message}`);
    return 1;
  }
  throw error;
}
