import type { Command } from 'commander';
import { describeFailure } from './failure.ts';
import type { CliIo, ExitCode } from './io.ts';
import { type DestinationFlags, loadRules } from './load.ts';

/**
 * `taglane validate [DIR|FILE]`: loads every rule file of DIR (or the one FILE) and prints every problem of every
 * file at once as `file:line:col path: message`, so one run shows all there is to fix.
 */
export async function validateCommand(
  dir: string,
  io: CliIo,
  flags: DestinationFlags = {},
): Promise<ExitCode> {
  try {
    const ruleSet = await loadRules(dir, flags, { file: true });
    const sources = [...ruleSet.sources.values()];
    const rules = sources.reduce((sum, source) => sum + source.rules.length, 0);
    io.out(
      `${dir}: ${plural(sources.length, 'source')} (${sources.map((s) => s.name).join(', ')}), ${plural(rules, 'rule')}, all valid`,
    );
    return 0;
  } catch (error) {
    return describeFailure(error, io);
  }
}

/** Registers `validate` on the program; the exit code goes to `setExit`. */
export function registerValidateCommand(
  program: Command,
  io: CliIo,
  setExit: (code: ExitCode) => void,
): void {
  program
    .command('validate')
    .description('Check every rule file and report every problem as file:line:col path: message')
    .argument('[dir]', 'rule set directory, or one rule file', 'rules')
    .option('--destinations <file>', 'destinations.yaml (default: ./destinations.yaml if present)')
    .option('--env <name>', 'environment of destinations.yaml to check against')
    .action(async (dir: string, flags: DestinationFlags) => {
      setExit(await validateCommand(dir, io, flags));
    });
}

/** `3 rules`, `1 rule`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
