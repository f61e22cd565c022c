import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from '../../../src/local/data-dir-lock.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'taglane-lock-'));
  dirs.push(dir);
  return dir;
}

describe('lockDataDir', () => {
  it('refuses a second claim while the first holds the directory, and allows it after release', async () => {
    const dir = await tempDir();
    const release = await lockDataDir(dir);
    expect(await readFile(join(dir, 'serve.pid'), 'utf8')).toBe(`${process.pid}\n`);
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirInUseError);
    await expect(lockDataDir(dir)).rejects.toThrow(`pid ${process.pid}`);
    await release();
    const again = await lockDataDir(dir);
    await again();
  });

  it('takes over a pid file left by a process that has exited', async () => {
    const dir = await tempDir();
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(join(dir, 'serve.pid'), `${gone}\n`);
    const release = await lockDataDir(dir);
    expect(await readFile(join(dir, 'serve.pid'), 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });
});
