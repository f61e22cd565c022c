import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ruleFileJsonSchemaText } from '../rules/index.ts';
import type { CliIo, ExitCode } from './io.ts';

/** The committed JSON Schema that rule files reference in their first line. */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/rules.schema.json', import.meta.url));

/** Options of `taglane schema`. */
export interface SchemaOptions {
  /** Write the schema to `file` instead of printing it. */
  readonly write: boolean;
  /** Exit 1 when `file` differs from the generated schema (CI: the committed file is current). */
  readonly check: boolean;
  readonly file: string;
}

/**
 * `taglane schema [--write | --check]`: the rule-file JSON Schema generated from the engine's
 * zod schema, printed, written, or compared with the committed file.
 */
export async function schemaCommand(options: SchemaOptions, io: CliIo): Promise<ExitCode> {
  const text = ruleFileJsonSchemaText();
  if (options.check) {
    const committed = await readFile(options.file, 'utf8').catch(() => '');
    if (committed === text) {
      io.out(`${options.file} is current`);
      return 0;
    }
    io.err(`${options.file} is out of date: run \`npm run schema\` and commit it`);
    return 1;
  }
  if (options.write) {
    await writeFile(options.file, text);
    io.out(`wrote ${options.file}`);
    return 0;
  }
  io.out(text);
  return 0;
}

/** Registers `schema` on the program; the exit code goes to `setExit`. */
export function registerSchemaCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command('schema')
    .description('Print the JSON Schema of rule files (for editors), or write/check schema/rules.schema.json')
    .option('--write', 'write the schema file', false)
    .option('--check', 'exit 1 if the schema file is not current', false)
    .option('--file <path>', 'schema file', SCHEMA_FILE)
    .action(async (opts: { write: boolean; check: boolean; file: string }) => {
      setExit(await schemaCommand(opts, io));
    });
}
