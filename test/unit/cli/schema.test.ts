import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaCommand } from '../../../src/cli/schema.ts';
import { tempDirMaker } from '../../support/temp-dir.ts';
import { bufferIo } from './buffer-io.ts';

const dirWith = tempDirMaker('taglane-cli-');

async function tempFile(): Promise<string> {
  return `${await dirWith()}/rules.schema.json`;
}

describe('taglane schema', () => {
  it('prints the JSON Schema of rule files, listing every track type', async () => {
    const io = bufferIo();
    expect(await schemaCommand({ write: false, check: false, file: SCHEMA_FILE }, io)).toBe(0);
    const schema = JSON.parse(io.stdout()) as { title?: string; required?: string[] };
    expect(schema.title).toBe('Taglane rule file');
    expect(schema.required).toEqual(expect.arrayContaining(['source', 'auth', 'site', 'rules']));
    for (const type of ['pageview', 'event', 'goal', 'order', 'cart', 'crash', 'search', 'content', 'ping']) {
      expect(io.stdout()).toContain(`"${type}"`);
    }
  });

  it('writes a file that --check then finds current', async () => {
    const file = await tempFile();
    const written = bufferIo();
    expect(await schemaCommand({ write: true, check: false, file }, written)).toBe(0);
    expect(written.stdout()).toBe(`wrote ${file}\n`);
    const checked = bufferIo();
    expect(await schemaCommand({ write: false, check: true, file }, checked)).toBe(0);
    expect(checked.stdout()).toBe(`${file} is current\n`);
  });

  it('--check fails for a stale or missing schema file', async () => {
    const file = await tempFile();
    await schemaCommand({ write: true, check: false, file }, bufferIo());
    await writeFile(file, (await readFile(file, 'utf8')).replace('Taglane rule file', 'Old title'));
    const stale = bufferIo();
    expect(await schemaCommand({ write: false, check: true, file }, stale)).toBe(1);
    expect(stale.stderr()).toBe(`${file} is out of date: run \`npm run schema\` and commit it\n`);
    const missing = bufferIo();
    expect(await schemaCommand({ write: false, check: true, file: `${file}.none` }, missing)).toBe(1);
  });

  it('targets the committed schema/rules.schema.json that rule files reference', async () => {
    expect(SCHEMA_FILE.endsWith('/schema/rules.schema.json')).toBe(true);
    const shipped = await readFile('rules/stripe.yaml', 'utf8');
    expect(shipped.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/rules.schema.json');
  });
});
