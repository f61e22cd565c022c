import { TRACK_TYPE_NAMES, type TrackType } from '../../rules/schema-tracks.ts';
import { COMMON_FIELDS, trackSpec } from '../../rules/tracks.ts';

/** One optional field of a track item and the Matomo parameter it fills. */
export interface TrackField {
  /** As written: `referrer`, `dimensions.1`, `params.ua`. */
  readonly field: string;
  readonly param: string;
}

/** A rule's track items, each as the fields it names; indexed like the requests it produces. */
export type RuleTracks = readonly (readonly TrackField[])[];

/**
 * The fields a rule's `track:` list names, read from the rule file's data, with the Matomo
 * parameter each fills. Compared with a produced request, a field whose parameter is missing
 * produced nothing for that event and was left out: the page warns about it, since that is
 * the usual reason a report in Matomo lacks a value.
 */
export function trackFields(track: unknown): RuleTracks {
  if (!Array.isArray(track)) return [];
  return track.map((item: unknown) => {
    if (item === null || typeof item !== 'object') return [];
    const [type, fields] = Object.entries(item)[0] ?? [];
    if (!isTrackType(type) || fields === null || typeof fields !== 'object') return [];
    const specs = [...trackSpec(type).fields, ...COMMON_FIELDS];
    const out: TrackField[] = [];
    for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
      const spec = specs.find((s) => s.key === key);
      if (spec) out.push({ field: key, param: spec.param });
      else if ((key === 'dimensions' || key === 'params') && value !== null && typeof value === 'object') {
        for (const id of Object.keys(value)) {
          out.push({ field: `${key}.${id}`, param: key === 'dimensions' ? `dimension${id}` : id });
        }
      }
    }
    return out;
  });
}

/** Warnings for the fields of `fields` that left no parameter in `params`. */
export function droppedWarnings(
  fields: readonly TrackField[],
  params: Readonly<Record<string, string>>,
): string[] {
  return fields
    .filter((f) => params[f.param] === undefined)
    .map((f) => `${f.field} (${f.param}) produced nothing for this event and was left out`);
}

function isTrackType(value: unknown): value is TrackType {
  return typeof value === 'string' && (TRACK_TYPE_NAMES as readonly string[]).includes(value);
}
