import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTaglane as taglane } from '../../support/taglane-binary.ts';
import { tempDirPerFile } from '../../support/temp-dir.ts';

describe('taglane --version and validate FILE', () => {
  const dir = tempDirPerFile('taglane-cli-file-', {
    'bad.yaml': 'source: x\nauth:\n  api-key: { secrets: [X_KEY] }\nsite: one\nrules: []\n',
  });

  it('prints the version of package.json', async () => {
    const manifest = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const run = await taglane('--version');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(manifest.version);
  });

  it('validates one rule file', async () => {
    const run = await taglane('validate', 'rules/app.yaml');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('rules/app.yaml: 1 source (app)');
  });

  it('reports the problems of one invalid rule file with file:line:col', async () => {
    const file = join(dir.path, 'bad.yaml');
    const run = await taglane('validate', file);
    expect(run.code).toBe(1);
    expect(run.stderr + run.stdout).toContain(`${file}:4:7 site: unknown site "one"`);
  });
});
