import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Mode of a data directory `taglane serve` creates: owner only, whatever the umask, since it
 * holds the visitor HMAC key and the queue journal with raw visitor keys. An existing directory
 * keeps its mode (it may be one the user shares on purpose).
 */
export const DATA_DIR_MODE = 0o700;

/** Thrown when another running `taglane serve` uses the data directory. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}

/**
 * Claims `dataDir` for this process with a pid file. LevelDB allows one process per directory
 * and dynalite crashes the process when it cannot open it, so a second `taglane serve` on the
 * same directory is refused here, with a message, instead. A pid file left by a process that
 * is gone is taken over. Resolves with the function that releases the claim.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  // Owner only: the directory holds the visitor HMAC key and the queue journal (raw visitor keys).
  await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const file = join(dataDir, 'serve.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new DataDirInUseError(
        `${dataDir} is in use by another taglane serve (pid ${owner}); stop it or choose another --data-dir`,
      );
    }
    await rm(file, { force: true });
  }
  throw new DataDirInUseError(`could not claim ${dataDir}; is another taglane serve starting?`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}
