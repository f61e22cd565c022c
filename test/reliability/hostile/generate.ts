/**
 * Writes the hostile-input corpus to `test/fixtures/hostile/`. Run it after changing a case:
 * `npx tsx test/reliability/hostile/generate.ts`. The files are committed, so the corpus is
 * reviewable data and stays the same from run to run.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostileCase } from './cases.ts';
import { deepCases, hugeCases, invalidJsonCases, invalidUtf8Cases, oversizedCases } from './corpus-bytes.ts';
import { headerCases, prototypeCases, routingCases, unicodeCases, wrongTypeCases } from './corpus-values.ts';

const OUT = fileURLToPath(new URL('../../fixtures/hostile/', import.meta.url));

/** Every case of the corpus, in a stable order. */
export function allCases(): HostileCase[] {
  return [
    ...invalidJsonCases(),
    ...invalidUtf8Cases(),
    ...deepCases(),
    ...hugeCases(),
    ...prototypeCases(),
    ...wrongTypeCases(),
    ...oversizedCases(),
    ...headerCases(),
    ...unicodeCases(),
    ...routingCases(),
  ];
}

async function main(): Promise<void> {
  const cases = allCases();
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
    names.add(c.name);
  }
  await mkdir(OUT, { recursive: true });
  for (const file of await readdir(OUT)) if (file.endsWith('.json')) await rm(join(OUT, file));
  for (const [index, c] of cases.entries()) {
    const file = `${String(index + 1).padStart(3, '0')}-${c.name}.json`;
    await writeFile(join(OUT, file), `${JSON.stringify(c, null, 2)}\n`);
  }
  process.stdout.write(`wrote ${cases.length} cases to ${OUT}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
