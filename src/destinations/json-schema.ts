import { z } from 'zod';
import { DestinationsFileSchema } from './schema.ts';

/**
 * The JSON Schema of `destinations.yaml`, generated from the zod schema so the two never drift.
 * Committed as `schema/destinations.schema.json`; a destinations file that starts with
 * `# yaml-language-server: $schema=schema/destinations.schema.json` gets completion and checks
 * in editors. Draft-07, which YAML editors support best.
 */
export function destinationsJsonSchemaText(): string {
  const schema = z.toJSONSchema(DestinationsFileSchema.meta({ title: 'Taglane destinations file' }), {
    target: 'draft-07',
    io: 'input',
  });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
