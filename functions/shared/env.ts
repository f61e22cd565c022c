import { z } from 'zod';
import type { Env } from './secret-source.ts';

// In a module of their own, so the deployed ingest (no zod) takes them alone.
export { type Env, secretsFromEnv } from './secret-source.ts';

/** A positive integer variable with a default, read from its string form. */
export const positiveInt = (name: string, fallback: number) =>
  z
    .string()
    .regex(/^[1-9]\d*$/, `${name} must be a positive integer`)
    .transform(Number)
    .default(fallback);

/**
 * Validates the environment against `schema`. Empty strings count as unset, as CloudFormation
 * cannot omit a variable. Every problem comes back at once, as `NAME: message`.
 */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Env,
): { data: z.infer<T> | undefined; present: Record<string, string>; problems: string[] } {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value !== '') present[name] = value;
  const parsed = schema.safeParse(present);
  if (parsed.success) return { data: parsed.data, present, problems: [] };
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
  return { data: undefined, present, problems };
}
