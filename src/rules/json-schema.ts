import { z } from 'zod';
import { RuleFileSchema } from './schema.ts';

/**
 * The JSON Schema of a rule file, generated from the zod schema so the two never drift.
 * Committed as `schema/rules.schema.json` and referenced from rule files with
 * `# yaml-language-server: $schema=../schema/rules.schema.json`, so editors complete keys and
 * flag mistakes as the user types. Draft-07, which YAML editors support best.
 */
export function ruleFileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(RuleFileSchema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
}

/** The committed file's text for {@link ruleFileJsonSchema}: 2-space JSON and a final newline. */
export function ruleFileJsonSchemaText(): string {
  return `${JSON.stringify(ruleFileJsonSchema(), null, 2)}\n`;
}
