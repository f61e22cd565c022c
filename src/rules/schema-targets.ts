import { z } from 'zod';

// schema-tracks.ts imports this file (track items take `site` and `destination`), so the
// expression pattern is restated here instead of imported back.
const EXPRESSION_PATTERN = /^\{%[\s\S]*%\}$/;

/** Names of destinations and of named sites, as `destinations.yaml` declares them. */
export const TARGET_NAME = /^[a-z][a-z0-9_-]*$/;

/** One site: a Matomo idsite, a site name from `destinations.yaml`, or an expression. */
const SiteRef = z.union(
  [
    z.number().int('expected an integer site id').positive('expected a site id > 0'),
    z.string().regex(EXPRESSION_PATTERN),
    z.string().regex(TARGET_NAME),
  ],
  { error: 'expected a site id, a site name declared in destinations.yaml, or a {% ... %} expression' },
);

/** `site:` of a file, a rule or a track item; a list sends the track to every site (fan-out). */
export const Site = z
  .union([SiteRef, z.array(SiteRef).min(1, 'expected at least one site')], {
    error:
      'expected a site id, a site name declared in destinations.yaml, a {% ... %} expression, or a list of them',
  })
  .meta({
    description:
      'Matomo idsite, a site name declared in destinations.yaml (its id per destination and environment), or a {% ... %} expression; a list sends to each.',
  });

const DestinationRef = z
  .string()
  .regex(TARGET_NAME, 'expected a destination name declared in destinations.yaml (or default)');

/** `destination:` of a file, a rule or a track item; a list sends to every destination (fan-out). */
export const Destination = z
  .union([DestinationRef, z.array(DestinationRef).min(1, 'expected at least one destination')])
  .meta({ description: 'Destination name(s) from destinations.yaml; default: default.' });

/** What `site:` may be after validation. */
export type SiteInput = z.infer<typeof Site>;
/** What `destination:` may be after validation. */
export type DestinationInput = z.infer<typeof Destination>;
