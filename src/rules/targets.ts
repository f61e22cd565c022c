import { type CompileScope, valueAt } from './compile-track.ts';
import { type DataPath, formatPath } from './data-path.ts';
import type { Accessor } from './expression.ts';
import { compileValue } from './expression.ts';
import type { DestinationInput, SiteInput } from './schema-targets.ts';

/**
 * The destinations rules may name, for one environment. Implemented by `src/destinations`
 * from `destinations.yaml`; the rule engine only asks these two questions, so it stays pure.
 */
export interface TargetCatalog {
  /** Undefined when `name` is declared; otherwise why it cannot be used. */
  destinationProblem(name: string): string | undefined;
  /** The idsite of the named site on `destination` in the selected environment, or why not. */
  siteId(destination: string, site: string): { readonly id: number } | { readonly problem: string };
  /**
   * A scope for visitor keys on `destination` when it keeps visitor ids of its own (the key
   * becomes `scope:key`, so its HMAC and visitor id differ); undefined: shared ids.
   */
  visitorScope?(destination: string): string | undefined;
}

/** Without a `destinations.yaml`: only the implicit `default` (MATOMO_URL), no named sites. */
export const IMPLICIT_CATALOG: TargetCatalog = {
  destinationProblem: (name) =>
    name === 'default'
      ? undefined
      : `unknown destination "${name}": only default (MATOMO_URL) exists without a destinations.yaml that declares "${name}"`,
  siteId: (_destination, site) => ({
    problem: `unknown site "${site}": site names need a destinations.yaml that declares them`,
  }),
};

/** Where one track item goes: a destination and the site there. */
export interface CompiledTarget {
  readonly destination: string;
  /** The idsite: a literal (named sites are resolved when compiling) or an expression. */
  readonly site: Accessor;
  /** The rule field the site came from, for evaluation errors (`site`, `track[0].site`). */
  readonly field: string;
  /** Prefix of the visitor key on this destination, when it has visitor ids of its own. */
  readonly visitorScope?: string;
}

/** `destination` and `site` as one level (file, rule or track item) declares them. */
export interface TargetLevel {
  readonly path: DataPath;
  readonly destination?: DestinationInput | undefined;
  readonly site?: SiteInput | undefined;
}

/**
 * The targets of a track item: the innermost `destination` and `site` of the file, rule and
 * item levels, every destination times every site (a fan-out when either is a list). Unknown
 * destinations and site names are reported at their position; the result is then partial.
 */
export function compileTargets(
  scope: CompileScope,
  levels: readonly TargetLevel[],
  catalog: TargetCatalog,
): CompiledTarget[] {
  const destinations = innermost(levels, 'destination') ?? { path: [], values: ['default'], list: false };
  const sites = innermost(levels, 'site');
  const targets: CompiledTarget[] = [];
  // A literal site reached twice on one destination (two names with the same id) would send
  // the same request twice: Matomo would count it twice, or refuse a repeated order id.
  const seen = new Set<string>();
  destinations.values.forEach((destination, d) => {
    const problem = catalog.destinationProblem(String(destination));
    if (problem !== undefined) {
      scope.problems.push(scope.src.problem(at(destinations, d), problem));
      return;
    }
    for (const [s, site] of (sites?.values ?? []).entries()) {
      const path = sites ? at(sites, s) : ['site'];
      const field = path[0] === 'rules' ? formatPath(path.slice(2)) : formatPath(path);
      const accessor = siteAccessor(scope, String(destination), site, path, catalog);
      if (accessor === undefined) continue;
      const literal =
        accessor.kind === 'literal' ? `${destination}\n${String(accessor.read(null))}` : undefined;
      if (literal !== undefined && seen.has(literal)) {
        const id = String(accessor.read(null));
        scope.problems.push(
          scope.src.problem(path, `sends the same track twice to site ${id} of ${destination}`),
        );
        continue;
      }
      if (literal !== undefined) seen.add(literal);
      const visitorScope = catalog.visitorScope?.(String(destination));
      targets.push({
        destination: String(destination),
        site: accessor,
        field,
        ...(visitorScope === undefined ? {} : { visitorScope }),
      });
    }
  });
  return targets;
}

interface Declared {
  readonly path: DataPath;
  readonly values: readonly (string | number)[];
  readonly list: boolean;
}

function innermost(levels: readonly TargetLevel[], key: 'destination' | 'site'): Declared | undefined {
  for (let i = levels.length - 1; i >= 0; i -= 1) {
    const level = levels[i];
    const raw = level?.[key];
    if (level && raw !== undefined) {
      const list = Array.isArray(raw);
      return { path: [...level.path, key], values: list ? raw : [raw], list };
    }
  }
  return undefined;
}

function at(declared: Declared, index: number): DataPath {
  return declared.list ? [...declared.path, index] : declared.path;
}

function siteAccessor(
  scope: CompileScope,
  destination: string,
  site: string | number,
  path: DataPath,
  catalog: TargetCatalog,
): Accessor | undefined {
  if (typeof site === 'number' || site.startsWith('{%')) return valueAt(scope, site);
  const found = catalog.siteId(destination, site);
  if ('problem' in found) {
    scope.problems.push(scope.src.problem(path, found.problem));
    return undefined;
  }
  return compileValue(found.id);
}
