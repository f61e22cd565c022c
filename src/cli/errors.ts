/**
 * A mistake in what the user asked the CLI for (an unknown source, an unreadable or invalid
 * event file). Printed as its message alone, with exit code 1; never a stack trace.
 */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
}
