import { formatProblem, type RuleProblem } from '../rules/errors.ts';

/** Base class of the destinations module's errors. */
export class DestinationsError extends Error {
  override readonly name: string = 'DestinationsError';
}

/**
 * `destinations.yaml` is invalid, or names an environment it does not declare. Carries every
 * problem with file, line and column (the rule files' `RuleProblem` shape), so `taglane
 * validate`, serve and `cdk synth` print them like rule problems. Never retryable.
 */
export class DestinationsFileError extends DestinationsError {
  override readonly name = 'DestinationsFileError';
  readonly problems: readonly RuleProblem[];

  constructor(problems: readonly RuleProblem[], options?: ErrorOptions) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid destinations (${head}):\n${problems.map(formatProblem).join('\n')}`, options);
    this.problems = problems;
  }
}

/**
 * A destination's token secret is declared but has no value (e.g. the Secrets Manager secret
 * still holds `{}`). Retryable: the batch goes back to the queue until the secret is filled.
 */
export class DestinationTokenMissingError extends DestinationsError {
  override readonly name = 'DestinationTokenMissingError';
  readonly destination: string;
  readonly secret: string;

  constructor(destination: string, secret: string) {
    super(
      `destination "${destination}": secret ${secret} is not set; fill it, then the queued requests are delivered`,
    );
    this.destination = destination;
    this.secret = secret;
  }
}
