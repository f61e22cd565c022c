import type { DeclaredDestination, DestinationsFile } from './parse.ts';
import { type Destinations, resolveDestinations } from './resolve.ts';
import type { DestinationInput } from './schema.ts';

/**
 * A `destinations.yaml` validated at synth and the environment chosen there, as plain JSON (the
 * file's maps as entry lists). {@link preparedDestinations} resolves it with the same
 * `resolveDestinations` the YAML loader uses, so a deployed ingest sees the same destinations,
 * sites and visitor scopes without the YAML parser or zod.
 */
export interface PreparedDestinations {
  /** Undefined: no file, only the implicit `default`. */
  readonly file?: {
    readonly file: string;
    readonly destinations: readonly (readonly [string, DeclaredDestination])[];
    readonly environments: readonly (readonly [string, readonly (readonly [string, DestinationInput])[]])[];
  };
  readonly environment?: string;
}

/** The JSON form of a parsed destinations file and its environment. */
export function prepareDestinations(
  file: DestinationsFile | undefined,
  environment: string | undefined,
): PreparedDestinations {
  return {
    ...(file === undefined
      ? {}
      : {
          file: {
            file: file.file,
            destinations: [...file.destinations],
            environments: [...file.environments].map(([env, changes]) => [env, [...changes]] as const),
          },
        }),
    ...(environment === undefined ? {} : { environment }),
  };
}

/**
 * Resolves prepared destinations exactly as `loadDestinations` resolves the file.
 *
 * @throws {DestinationsFileError} for an environment the file does not declare.
 */
export function preparedDestinations(prepared: PreparedDestinations): Destinations {
  const { file } = prepared;
  const parsed: DestinationsFile | undefined =
    file === undefined
      ? undefined
      : {
          file: file.file,
          destinations: new Map(file.destinations),
          environments: new Map(file.environments.map(([env, changes]) => [env, new Map(changes)])),
        };
  return resolveDestinations(parsed, prepared.environment);
}
