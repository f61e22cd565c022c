import { z } from 'zod';
import { type AwsSecrets, awsSecrets, secretLocationsFromEnv } from '../../src/adapters/secret-sources.ts';
import { EnvSecretSource } from '../../src/secrets/secrets.ts';

/** The process environment, or any stand-in for it. */
export type Env = Readonly<Record<string, string | undefined>>;

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

/**
 * Where secret values come from: on AWS the Parameter Store parameters in
 * `TAGLANE_SECRET_PARAMETERS` and the Secrets Manager secrets in `TAGLANE_SECRET_ARNS`
 * (comma-separated); with neither, environment variables of the same names.
 */
export function secretsFromEnv(env: Env): AwsSecrets {
  return (
    awsSecrets(secretLocationsFromEnv(env)) ?? { source: new EnvSecretSource(env), parameters: undefined }
  );
}
