export { DestinationsError, DestinationsFileError, DestinationTokenMissingError } from './errors.ts';
export { destinationsJsonSchemaText } from './json-schema.ts';
export {
  DEFAULT_DESTINATIONS_FILE,
  type DestinationsOptions,
  destinationsFileOrDefault,
  loadDestinations,
  loadDestinationsSync,
} from './load.ts';
export { type DeliveryTarget, destinationLookup, tokenSecretNames, urlProblems } from './lookup.ts';
export { type DeclaredDestination, type DestinationsFile, parseDestinationsFile } from './parse.ts';
export { type Destinations, type ResolvedDestination, resolveDestinations } from './resolve.ts';
