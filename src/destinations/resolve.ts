import type { TargetCatalog } from '../rules/index.ts';
import { DestinationsFileError } from './errors.ts';
import type { DeclaredDestination, DestinationsFile } from './parse.ts';
import type { DestinationInput } from './schema.ts';

/** A destination as one environment sees it. */
export interface ResolvedDestination {
  readonly name: string;
  /** False for the implicit `default` a file does not declare. */
  readonly declared: boolean;
  /** Matomo base URL; undefined: MATOMO_URL (only `default`). */
  readonly url: string | undefined;
  /** Secret NAME of the token_auth, if any. */
  readonly token: string | undefined;
  /** A declared token must have a value; the implicit default's MATOMO_TOKEN may be unset. */
  readonly tokenRequired: boolean;
  /** Named sites and their idsite in this environment. */
  readonly sites: ReadonlyMap<string, number>;
  /** `own`: visitor keys are scoped to this destination, so its visitor ids are its own. */
  readonly visitors: 'shared' | 'own';
}

/** The destinations of one environment: what every part of Taglane resolves names against. */
export interface Destinations {
  /** The `destinations.yaml` they come from; undefined: only the implicit `default`. */
  readonly file: string | undefined;
  readonly environment: string | undefined;
  readonly list: readonly ResolvedDestination[];
  get(name: string): ResolvedDestination | undefined;
  /** For the rule compiler: which destinations and named sites exist. */
  readonly catalog: TargetCatalog;
}

/**
 * Applies `environment` to the declared destinations (its URLs, tokens and site ids win) and
 * adds the implicit `default` when the file does not declare one. Without a file there is
 * only that `default`, and no environment to choose.
 *
 * @throws {DestinationsFileError} for an environment the file does not declare.
 */
export function resolveDestinations(
  file: DestinationsFile | undefined,
  environment: string | undefined,
): Destinations {
  const where = file?.file ?? 'destinations.yaml';
  const overrides = environment === undefined ? undefined : file?.environments.get(environment);
  if (environment !== undefined && overrides === undefined) {
    const known = [...(file?.environments.keys() ?? [])].join(', ') || 'none';
    const why = file
      ? `unknown environment "${environment}" (declared: ${known})`
      : `environment "${environment}" needs a destinations.yaml that declares it`;
    throw new DestinationsFileError([
      { file: where, line: 1, column: 1, path: 'environments', message: why },
    ]);
  }
  const declared = new Map(file?.destinations ?? []);
  if (!declared.has('default')) declared.set('default', implicitDefault());
  const list = [...declared.values()].map((d) => applyOverride(d, overrides?.get(d.name), file));
  const byName = new Map(list.map((d) => [d.name, d]));
  const names = [...byName.keys()].join(', ');
  const catalog: TargetCatalog = {
    destinationProblem: (name) =>
      byName.has(name)
        ? undefined
        : file
          ? `unknown destination "${name}" (declared in ${where}: ${names})`
          : `unknown destination "${name}": only default (MATOMO_URL) exists without a destinations.yaml that declares "${name}"`,
    visitorScope: (destination) => (byName.get(destination)?.visitors === 'own' ? destination : undefined),
    siteId: (destination, site) => {
      const id = byName.get(destination)?.sites.get(site);
      if (id !== undefined) return { id };
      return {
        problem: file
          ? `unknown site "${site}" of destination ${destination} (add it under destinations.${destination}.sites in ${where})`
          : `unknown site "${site}": site names need a destinations.yaml that declares them`,
      };
    },
  };
  return { file: file?.file, environment, list, get: (name) => byName.get(name), catalog };
}

/**
 * `default` when the file does not declare it: MATOMO_URL with the optional MATOMO_TOKEN. Here,
 * not in the parser, so resolving needs neither the YAML parser nor zod (a deployed ingest
 * resolves the destinations prepared at synth).
 */
export function implicitDefault(): DeclaredDestination {
  return { name: 'default', sites: {} };
}

function applyOverride(
  d: DeclaredDestination,
  override: DestinationInput | undefined,
  file: DestinationsFile | undefined,
): ResolvedDestination {
  const implicit = !file?.destinations.has(d.name);
  const token = override?.token ?? d.token ?? (implicit ? 'MATOMO_TOKEN' : undefined);
  return {
    name: d.name,
    declared: !implicit,
    url: (override?.url ?? d.url)?.replace(/\/+$/, ''),
    token,
    tokenRequired: !implicit && token !== undefined,
    sites: new Map(Object.entries({ ...d.sites, ...override?.sites })),
    visitors: override?.visitors ?? d.visitors ?? 'shared',
  };
}
