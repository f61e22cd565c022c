import type { Command } from 'commander';
import { type ExampleResult, runExamples } from '../rules/index.ts';
import { describeFailure } from './failure.ts';
import type { CliIo, ExitCode } from './io.ts';
import { type DestinationFlags, loadRules } from './load.ts';
import { plural } from './validate.ts';

/**
 * `taglane test [DIR]`: runs every `examples:` entry of every rule file in DIR. Prints one line
 * per example and, for each failure, the rule file position and a readable diff of what was
 * expected against what the rules produced. Exit 1 when any example fails or the rules are invalid.
 */
export async function testCommand(dir: string, io: CliIo, flags: DestinationFlags = {}): Promise<ExitCode> {
  try {
    const results = await runExamples(await loadRules(dir, flags));
    const failed = results.filter((r) => !r.ok);
    const width = Math.max(0, ...results.map((r) => r.source.length));
    for (const result of results) io.out(renderResult(result, width));
    const summary = `${plural(results.length, 'example')}, ${failed.length} failed`;
    if (failed.length > 0) {
      io.err(`\n${summary}`);
      return 1;
    }
    if (results.length === 0) io.err(`warning: no examples in ${dir}; add examples: to your rules`);
    io.out(`\n${summary}`);
    return 0;
  } catch (error) {
    return describeFailure(error, io);
  }
}

/** `ok  stripe  "checkout completed" #1  examples/stripe/...json`, plus the diff on failure. */
export function renderResult(result: ExampleResult, sourceWidth = 0): string {
  const head = `${result.ok ? 'ok  ' : 'FAIL'}  ${result.source.padEnd(sourceWidth)}  "${result.rule}" #${result.index}  ${result.given}`;
  if (result.ok) return head;
  return [
    head,
    `      at ${result.file}:${result.line}:${result.column}`,
    ...result.diff.map((d) => `      ${d}`),
  ].join('\n');
}

/** Registers `test` on the program; the exit code goes to `setExit`. */
export function registerTestCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command('test')
    .description("Run every rule's examples and show a diff for each failure")
    .argument('[dir]', 'rule set directory', 'rules')
    .option('--destinations <file>', 'destinations.yaml (default: ./destinations.yaml if present)')
    .option('--env <name>', 'environment of destinations.yaml whose site ids apply')
    .action(async (dir: string, flags: DestinationFlags) => {
      setExit(await testCommand(dir, io, flags));
    });
}
