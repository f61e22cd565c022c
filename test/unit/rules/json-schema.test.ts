import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ruleFileJsonSchema, ruleFileJsonSchemaText } from '../../../src/rules/index.ts';

describe('rule file JSON Schema', () => {
  it('is committed as schema/rules.schema.json and current with the zod schema', async () => {
    const committed = await readFile(new URL('../../../schema/rules.schema.json', import.meta.url), 'utf8');
    // If this fails, regenerate: npx tsx -e "import('./src/rules/json-schema.ts').then(m=>process.stdout.write(m.ruleFileJsonSchemaText()))" > schema/rules.schema.json
    expect(committed).toBe(ruleFileJsonSchemaText());
  });

  it('forbids unknown keys and requires the top-level keys', () => {
    const schema = ruleFileJsonSchema();
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['source', 'auth', 'site', 'rules']);
  });
});
