import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.ts';
import { bufferIo } from './buffer-io.ts';

const argv = (...args: string[]): string[] => ['node', 'taglane', ...args];

describe('taglane program', () => {
  it('lists every command in --help and exits 0', async () => {
    const io = bufferIo();
    expect(await runCli(argv('--help'), io)).toBe(0);
    for (const command of ['validate', 'test', 'preview', 'schema', 'serve']) {
      expect(io.stdout()).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    }
  });

  it('exits 1 with usage help for an unknown command', async () => {
    const io = bufferIo();
    expect(await runCli(argv('deploy'), io)).toBe(1);
    expect(io.stderr()).toContain("error: unknown command 'deploy'");
    expect(io.stderr()).toContain('taglane --help');
  });

  it('exits 1 when preview misses its event argument', async () => {
    const io = bufferIo();
    expect(await runCli(argv('preview', 'stripe'), io)).toBe(1);
    expect(io.stderr()).toContain("missing required argument 'event'");
  });

  it('passes the exit code of a command through', async () => {
    const ok = bufferIo();
    expect(await runCli(argv('validate'), ok)).toBe(0);
    const bad = bufferIo();
    expect(await runCli(argv('validate', 'no-such-dir'), bad)).toBe(1);
    expect(bad.stderr()).toBe('error: rule directory "no-such-dir" does not exist\n');
  });

  it('routes preview options: --rules and --json', async () => {
    const io = bufferIo();
    const code = await runCli(
      argv('preview', '--rules', 'rules', 'stripe', 'rules/examples/stripe/invoice-paid.json', '--json'),
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual([
      {
        idsite: '1',
        rec: '1',
        apiv: '1',
        idgoal: '1',
        revenue: '19',
        dimension1: 'subscription_cycle',
        cdt: '1723210560',
      },
    ]);
  });
});
