import type { SecretSource } from '../secrets/secrets.ts';
import { DestinationTokenMissingError } from './errors.ts';
import type { Destinations } from './resolve.ts';

/** A Matomo to deliver to (the batcher's `Destination`). */
export interface DeliveryTarget {
  readonly url: string;
  readonly token: string | undefined;
}

/**
 * The batcher's destination port: a queued request's `destination` name to a URL and a token
 * read through `secrets` (cached there, so a rotated token is picked up). An undeclared name
 * resolves to undefined, and the batcher dead-letters the request as `unknown-destination`.
 *
 * @throws {DestinationTokenMissingError} when a declared token secret has no value: retried.
 */
export function destinationLookup(
  destinations: Destinations,
  options: { readonly matomoUrl: string | undefined; readonly secrets: SecretSource },
): (name: string) => Promise<DeliveryTarget | undefined> {
  return async (name) => {
    const d = destinations.get(name);
    const url = d?.url ?? options.matomoUrl;
    if (d === undefined || url === undefined) return undefined;
    const token = d.token === undefined ? undefined : await options.secrets.get(d.token);
    if (d.token !== undefined && token === undefined && d.tokenRequired) {
      throw new DestinationTokenMissingError(d.name, d.token);
    }
    return { url, token };
  };
}

/**
 * Destinations that take MATOMO_URL when it is not set, as `NAME: message` lines. The implicit
 * `default` of a file that does not declare it is left out: without MATOMO_URL it does not
 * exist (the stack refuses rules that send there).
 */
export function urlProblems(destinations: Destinations, matomoUrl: string | undefined): string[] {
  if (matomoUrl !== undefined) return [];
  return destinations.list
    .filter((d) => d.url === undefined && (d.declared || destinations.file === undefined))
    .map(
      (d) =>
        `MATOMO_URL: required (destination ${d.name} has no url in ${destinations.file ?? 'a destinations.yaml'})`,
    );
}

/** Every token secret name the destinations use, sorted. */
export function tokenSecretNames(destinations: Destinations): string[] {
  return [...new Set(destinations.list.flatMap((d) => (d.token === undefined ? [] : [d.token])))].sort();
}
