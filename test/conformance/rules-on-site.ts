import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The shipped rules copied to `to`, each file's `site: 1` made the run's `site`: the suite
 * creates a site per run, and the rules name site 1.
 */
export async function shippedRulesOn(to: string, site: number): Promise<void> {
  await cp('rules', to, { recursive: true });
  for (const name of await readdir(to)) {
    if (!name.endsWith('.yaml')) continue;
    const file = join(to, name);
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^site: 1$/m, `site: ${site}`));
  }
}
