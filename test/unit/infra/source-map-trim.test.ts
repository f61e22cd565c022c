import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  decodeMappings,
  encodeMappings,
  isOwnSource,
  type SourceMapV3,
  trimSourceMap,
  trimSourceMapCommand,
} from '../../../lib/source-map-trim.ts';
import { tempDirPerFile } from '../../support/temp-dir.ts';

const run = promisify(execFile);

// Our code calls a package's; each throws from its own function, on a line of its own.
const OWN = `import { fromPackage } from 'dep';
export function handler(kind) {
  if (kind === 'package') return fromPackage();
  throw new Error('thrown in our code');
}
`;
const PACKAGE = `export function fromPackage() {
  throw new Error('thrown in the package');
}
`;

const dir = tempDirPerFile('taglane-source-map-', {
  'src/own.js': OWN,
  'node_modules/dep/package.json': '{"name":"dep","type":"module","main":"index.js"}',
  'node_modules/dep/index.js': PACKAGE,
});

/** Bundles src/own.js as the stack does (minified ESM with a source map) and returns the map. */
async function bundle(): Promise<{ out: string; map: SourceMapV3 }> {
  const out = join(dir.path, 'out');
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: [join(dir.path, 'src/own.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    sourcemap: true,
    outfile: join(out, 'index.mjs'),
    logLevel: 'silent',
  });
  return { out, map: JSON.parse(await readFile(join(out, 'index.mjs.map'), 'utf8')) as SourceMapV3 };
}

/** The stack of `handler(kind)` run from the bundle with `--enable-source-maps`. */
async function stackOf(out: string, kind: string): Promise<string> {
  const script = `import(${JSON.stringify(join(out, 'index.mjs'))}).then((m) => { try { m.handler(${JSON.stringify(kind)}); } catch (e) { process.stdout.write(e.stack); } });`;
  const { stdout } = await run(process.execPath, ['--enable-source-maps', '-e', script]);
  return stdout;
}

describe('the source map trimmed to our own code', () => {
  it('decodes and encodes esbuild mappings without change', async () => {
    const { map } = await bundle();
    expect(decodeMappings(map.mappings).flat().length).toBeGreaterThan(3);
    expect(encodeMappings(decodeMappings(map.mappings))).toBe(map.mappings);
  });

  it('maps our code as before and leaves the package code unmapped, not mapped to our file', async () => {
    const { out, map } = await bundle();
    const trimmed = trimSourceMap(map, isOwnSource);
    expect(trimmed.sources).toEqual(map.sources.filter(isOwnSource));
    expect(trimmed.sourcesContent).toBeUndefined();
    const before = new SourceMap(map as never);
    const after = new SourceMap(trimmed as never);
    const code = await readFile(join(out, 'index.mjs'), 'utf8');
    let own = 0;
    let dropped = 0;
    // Every generated position: ours maps to the same place, the package's to nothing.
    for (let column = 0; column < code.length; column += 1) {
      const was = before.findEntry(0, column) as { originalSource?: string; originalLine?: number };
      const now = after.findEntry(0, column) as { originalSource?: string; originalLine?: number };
      if (was.originalSource !== undefined && isOwnSource(was.originalSource)) {
        own += 1;
        expect(now.originalLine).toBe(was.originalLine);
        expect(now.originalSource).toBe(was.originalSource);
      } else if (was.originalSource !== undefined) {
        dropped += 1;
        expect(now.originalSource).toBeUndefined();
      }
    }
    expect(own).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
  });

  it('is what the bundling hook runs, and stack traces still name our file and line', async () => {
    const { out } = await bundle();
    await run('bash', ['-c', trimSourceMapCommand(join(out, 'index.mjs.map'))]);
    const map = JSON.parse(await readFile(join(out, 'index.mjs.map'), 'utf8')) as SourceMapV3;
    expect(map.sources.every(isOwnSource)).toBe(true);
    expect(await stackOf(out, 'own')).toMatch(/own\.js:4:\d+/);
    // The package's frame keeps its bundle position instead of a wrong line of ours.
    const packageStack = await stackOf(out, 'package');
    expect(packageStack).toMatch(/thrown in the package\n\s+at \S+ \(.*index\.mjs:1:\d+\)/);
  });
});
