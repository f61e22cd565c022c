import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem, loadRuleSet, RuleSetError } from '../../../src/rules/index.ts';
import { REPO_ROOT } from './synth.ts';

const run = promisify(execFile);

/**
 * Runs `bin/app.ts` the way the CDK CLI does: context in CDK_CONTEXT_JSON, the assembly
 * directory in CDK_OUTDIR. Resolves with the exit code and output instead of throwing.
 */
async function runApp(context: Record<string, unknown>, outdir: string) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'bin/app.ts')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('bin/app.ts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'taglane-app-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops on an invalid rule file with its file:line:col lines and no stack trace', async () => {
    const rulesDir = join(dir, 'rules');
    const file = join(rulesDir, 'broken.yaml');
    mkdirSync(rulesDir);
    writeFileSync(file, 'source: broken\nsite: one\nrules: []\n');
    const expected = await loadRuleSet(rulesDir).then(
      () => [],
      (error: unknown) => (error instanceof RuleSetError ? error.problems.map(formatProblem) : []),
    );
    expect(expected.length).toBeGreaterThan(0);

    const result = await runApp({ matomoUrl: 'https://matomo.acme.test', rulesDir }, join(dir, 'out'));
    expect(result.code).toBe(1);
    for (const line of expected) expect(result.stderr).toContain(line);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
