import { z } from 'zod';
import { TARGET_NAME } from '../rules/schema-targets.ts';

const Name = z.string().regex(TARGET_NAME, 'expected a lowercase name of letters, digits, _ and -');

const SecretName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, 'expected a secret NAME like MATOMO_EU_TOKEN (never the value)');

const Url = z.url({
  protocol: /^https?$/,
  error: 'expected the http(s):// base URL of Matomo (bulks go to <url>/matomo.php)',
});

const SiteIds = z
  .record(Name, z.number().int('expected an integer site id').positive('expected a site id > 0'))
  .meta({ description: 'Named sites: { name: idsite }; rules say `site: name`.' });

const Destination = z.strictObject({
  url: Url.optional().meta({ description: 'Matomo base URL; default only: MATOMO_URL when absent.' }),
  token: SecretName.optional().meta({ description: 'Secret NAME holding the token_auth; never the value.' }),
  sites: SiteIds.optional(),
  visitors: z.enum(['shared', 'own']).optional().meta({
    description:
      'shared (default): the same person has the same visitor id on every destination; own: ids of their own here, unlinkable to the others.',
  }),
});

/** What an environment may change of a declared destination. */
const Override = Destination;

/**
 * `destinations.yaml`: the Matomos rules may send to, declared once for `taglane serve`, the
 * handlers and the CDK stack. Strict: a typo in a key is an error.
 *
 * @example
 * destinations:
 *   default: { url: https://matomo.example.com, token: MATOMO_TOKEN, sites: { shop: 1 } }
 *   eu: { url: https://eu.matomo.example.com, token: MATOMO_EU_TOKEN, sites: { shop: 4 } }
 * environments:
 *   staging: { default: { url: https://staging.matomo.example.com, sites: { shop: 11 } } }
 */
export const DestinationsFileSchema = z.strictObject({
  destinations: z.record(Name, Destination),
  environments: z.record(Name, z.record(Name, Override)).optional(),
});

/** `destinations.yaml` after schema validation. */
export type DestinationsFileInput = z.infer<typeof DestinationsFileSchema>;
/** One destination as declared (or as an environment overrides it). */
export type DestinationInput = z.infer<typeof Destination>;
