import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { destinationsJsonSchemaText } from '../../../src/destinations/index.ts';

describe('destinations file JSON Schema', () => {
  it('is committed as schema/destinations.schema.json and current with the zod schema', async () => {
    const committed = await readFile(
      new URL('../../../schema/destinations.schema.json', import.meta.url),
      'utf8',
    );
    // If this fails, regenerate: npx tsx -e "import('./src/destinations/index.ts').then(async (m) => (await import('node:fs')).writeFileSync('schema/destinations.schema.json', m.destinationsJsonSchemaText()))"
    expect(committed).toBe(destinationsJsonSchemaText());
  });

  it('names the keys a destination takes, and nothing else', () => {
    const schema = JSON.parse(destinationsJsonSchemaText()) as {
      title: string;
      required: string[];
      properties: {
        destinations: { additionalProperties: { properties: object; additionalProperties: boolean } };
      };
    };
    expect(schema.title).toBe('Taglane destinations file');
    expect(schema.required).toEqual(['destinations']);
    const destination = schema.properties.destinations.additionalProperties;
    expect(Object.keys(destination.properties)).toEqual(['url', 'token', 'sites', 'visitors']);
    expect(destination.additionalProperties).toBe(false);
  });
});
