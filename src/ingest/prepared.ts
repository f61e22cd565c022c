import { type PreparedDestinations, preparedDestinations } from '../destinations/prepared.ts';
import type { Destinations } from '../destinations/resolve.ts';
import { RuleSetError } from '../rules/errors.ts';
import { compilePreparedRuleSet, type PreparedRuleSet } from '../rules/prepared.ts';
import type { RuleSet } from '../rules/types.ts';
import type { TrackerConfig, TrackerSite } from '../sources/matomo-tracker/config.ts';

/**
 * Everything a deployed ingest maps with, checked at synth and shipped as one JSON file: the
 * rule set, the destinations of the stack's environment (fan-out targets, named sites,
 * `visitors: own`) and the browser tracker's settings. Loading it does no YAML or schema work.
 */
export interface PreparedIngest {
  readonly version: 1;
  readonly rules: PreparedRuleSet;
  readonly destinations: PreparedDestinations;
  /** The validated tracker file, its sites as entries; absent: `/matomo.php` is not served. */
  readonly tracker?: PreparedTracker;
}

/** A {@link TrackerConfig} as JSON. */
export type PreparedTracker = Omit<TrackerConfig, 'sites'> & {
  readonly sites: readonly (readonly [string, TrackerSite])[];
};

/** What {@link compilePreparedIngest} gives back: what the YAML loaders would have given. */
export interface CompiledIngest {
  readonly rules: RuleSet;
  readonly destinations: Destinations;
  readonly tracker?: TrackerConfig;
}

/** The file the stack ships the prepared configuration under, next to the handler. */
export const PREPARED_INGEST_FILE = 'ingest.prepared.json';

/** Puts the parts checked at synth into one JSON-safe value. */
export function prepareIngest(parts: {
  readonly rules: PreparedRuleSet;
  readonly destinations: PreparedDestinations;
  readonly tracker?: TrackerConfig | undefined;
}): PreparedIngest {
  const { tracker } = parts;
  return {
    version: 1,
    rules: parts.rules,
    destinations: parts.destinations,
    ...(tracker === undefined ? {} : { tracker: { ...tracker, sites: [...tracker.sites] } }),
  };
}

/**
 * Compiles a prepared configuration: the destinations resolved as `loadDestinations` does, the
 * rules compiled against them as `loadRuleSet` does, the tracker sites back into their map.
 *
 * @throws {RuleSetError} for a value that is not a prepared configuration or invalid rules;
 *   DestinationsFileError for an environment the prepared file does not declare.
 */
export function compilePreparedIngest(prepared: unknown): CompiledIngest {
  const p = prepared as Partial<PreparedIngest> | null;
  if (typeof p !== 'object' || p === null || p.version !== 1 || p.destinations === undefined) {
    const where = { file: PREPARED_INGEST_FILE, line: 1, column: 1, path: '' };
    throw new RuleSetError([{ ...where, message: 'not a prepared ingest configuration (version 1)' }]);
  }
  const destinations = preparedDestinations(p.destinations);
  // Lazily: a cold start compiles only the sources its first events use (checked at synth).
  const rules = compilePreparedRuleSet(p.rules, { targets: destinations.catalog, lazy: true });
  const tracker = p.tracker === undefined ? undefined : { ...p.tracker, sites: new Map(p.tracker.sites) };
  return { rules, destinations, ...(tracker === undefined ? {} : { tracker }) };
}
