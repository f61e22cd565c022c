import type { RuleProblem } from '../rules/index.ts';
import { issueProblems } from '../rules/issue-problems.ts';
import { parseYamlSource } from '../rules/yaml-source.ts';
import { DestinationsFileError } from './errors.ts';
import { implicitDefault } from './resolve.ts';
import { type DestinationInput, DestinationsFileSchema } from './schema.ts';

/** A declared destination, as the file states it (before an environment applies). */
export interface DeclaredDestination {
  readonly name: string;
  /** Matomo base URL; absent only for `default`, which then takes MATOMO_URL. */
  readonly url?: string;
  /** Secret NAME of the token_auth. */
  readonly token?: string;
  readonly sites: Readonly<Record<string, number>>;
  /** `own`: this Matomo gets visitor ids of its own. */
  readonly visitors?: 'shared' | 'own';
}

/** A validated `destinations.yaml`. */
export interface DestinationsFile {
  readonly file: string;
  readonly destinations: ReadonlyMap<string, DeclaredDestination>;
  /** Per environment, what it changes of which destination. */
  readonly environments: ReadonlyMap<string, ReadonlyMap<string, DestinationInput>>;
}

/**
 * Parses and validates `destinations.yaml` (pure). Every problem of the file comes back at
 * once with line and column, as for rule files: unknown keys, a destination without a URL
 * (only `default` may take MATOMO_URL), an environment changing an undeclared destination or
 * giving an id to a site the destination does not declare.
 *
 * @throws {DestinationsFileError} listing every problem.
 */
export function parseDestinationsFile(file: string, text: string): DestinationsFile {
  const src = parseYamlSource(file, text);
  if (src.syntaxProblems.length > 0) throw new DestinationsFileError(src.syntaxProblems);
  const parsed = DestinationsFileSchema.safeParse(src.data ?? {});
  if (!parsed.success) throw new DestinationsFileError(issueProblems(src, parsed.error.issues));
  const problems: RuleProblem[] = [];
  const destinations = new Map<string, DeclaredDestination>();
  for (const [name, d] of Object.entries(parsed.data.destinations)) {
    if (d.url === undefined && name !== 'default') {
      problems.push(
        src.problem(['destinations', name], `missing required key "url" (only default may take MATOMO_URL)`),
      );
    }
    destinations.set(name, {
      name,
      ...(d.url === undefined ? {} : { url: d.url.replace(/\/+$/, '') }),
      ...(d.token === undefined ? {} : { token: d.token }),
      sites: d.sites ?? {},
      ...(d.visitors === undefined ? {} : { visitors: d.visitors }),
    });
  }
  const environments = new Map<string, ReadonlyMap<string, DestinationInput>>();
  for (const [env, overrides] of Object.entries(parsed.data.environments ?? {})) {
    for (const [name, override] of Object.entries(overrides)) {
      const base = destinations.get(name) ?? (name === 'default' ? implicitDefault() : undefined);
      if (base === undefined) {
        const known = [...destinations.keys()].join(', ');
        problems.push(
          src.problem(['environments', env, name], `unknown destination "${name}" (declared: ${known})`, {
            atKey: true,
          }),
        );
        continue;
      }
      for (const site of Object.keys(override.sites ?? {})) {
        if (!(site in base.sites)) {
          problems.push(
            src.problem(
              ['environments', env, name, 'sites', site],
              `site "${site}" is not declared under destinations.${name}.sites; every environment maps the same names`,
              { atKey: true },
            ),
          );
        }
      }
    }
    environments.set(env, new Map(Object.entries(overrides)));
  }
  if (problems.length > 0) throw new DestinationsFileError(problems.sort((a, b) => a.line - b.line));
  return { file, destinations, environments };
}
